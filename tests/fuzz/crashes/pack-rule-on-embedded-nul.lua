return { name = "fuzz", version = "1", jurisdiction = "*", effective_from = "2020-01-01",
         rules = { "rules.lua" } }
--8<--
rule { id = "fuzz/nul", on = "\0\0a0", severity = "minor", cite = "fuzz", check = function() end }
