return { name = "fuzz", version = "1", jurisdiction = "*", rules = { "rules.lua" } }
--8<--
rule(setmetatable({}, { __index = function(t, k)
  if k == "id" then return ("z"):rep(100) .. k end
  if k == "on" then local g = {} for i = 1, 200000 do g[i] = {} end end
end }))
