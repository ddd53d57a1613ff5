return setmetatable({ name = "fuzz", version = "1", jurisdiction = "*", rules = { "rules.lua" } }, { __index = {} })
--8<--
rule { id = "fuzz/a", on = "x", severity = "major", cite = "c", check = function() end }
