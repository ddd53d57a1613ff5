return { name = "fuzz", version = "1", jurisdiction = "*", rules = { "rules.lua" } }
--8<--
rule(setmetatable({}, { __index = function() error("boom") end }))
