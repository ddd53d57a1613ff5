--tenant
return setmetatable({ rules = { "rules.lua" } }, { __index = function(t, k)
  if k == "waivers" then return { ["x/y"] = "a reason long enough" } end
end })
--8<--
rule(setmetatable({ id = "x/t", on = "e", severity = "minor", cite = "c", jurisdiction = "US-TX" },
  { __index = function(t, k) if k == "check" then return function() end end end }))
