return setmetatable({ name = "fuzz", rules = { "rules.lua" } }, { __index = function(t, k)
  if k == "version" then return "1" end
  if k == "jurisdiction" then return "*" end
end })
--8<--
rule { id = "fuzz/a", on = "x", severity = "major", cite = "c", check = function() end }
