return { name = "fuzz", version = "1", jurisdiction = "*", rules = { "rules.lua" } }
--8<--
local fields = { on = "x", severity = "info", cite = "c", check = function() end }
rule(setmetatable({}, { __index = function(t, k)
  if k == "id" then return "fuzz/" .. ("a"):rep(3) end
  return fields[k]
end }))
