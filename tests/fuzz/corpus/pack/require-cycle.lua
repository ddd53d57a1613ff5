return { name = "fuzz", version = "1", jurisdiction = "*", rules = { "rules.lua" } }
--8<--
local ok, err = pcall(require, "rules")
local ok2 = pcall(require, "../pack")
local ok3 = pcall(require, "edict.nope")
rule { id = "fuzz/a", on = "x", severity = "major", cite = tostring(err), check = function() end }
