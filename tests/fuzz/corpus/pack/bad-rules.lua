return { name = "fuzz", version = "1", jurisdiction = "*", rules = { "rules.lua", "missing.lua" } }
--8<--
rule { id = "fuzz/a", on = "x", severity = "major", cite = "c", check = function() end }
rule { id = "fuzz/a", on = {}, severity = "grave", cite = "", check = 1, jurisdiction = "US-TX", extra = true }
rule "not a table"
rule { id = "other/b", on = { 1 }, severity = "minor" }
rule(setmetatable({ id = "fuzz/m", on = "x", severity = "info", cite = "c", check = print }, {}))
