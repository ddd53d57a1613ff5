return { name = "fuzz", version = "1", jurisdiction = "US-TX", rules = { "rules.lua" } }
--8<--
rule { id = "fuzz/a", on = "employee.compliance", severity = "major", cite = "x 1", check = function(e, ctx) return "m" end }
