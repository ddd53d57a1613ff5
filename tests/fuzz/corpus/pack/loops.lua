return { name = "fuzz", version = "1", jurisdiction = "*", rules = { "rules.lua" } }
--8<--
local t = {}
for i = 1, 1e9 do t[i] = string.rep("x", 100) end
