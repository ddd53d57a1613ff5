return { name = "fuzz", version = "1", jurisdiction = "*", rules = { "rules.lua" } }
--8<--
-- issue 10, class 3: sort ties, pairs over table keys, weak tables
local t = {}
for i = 1, 200 do t[i] = { id = i, k = i % 3 } end
table.sort(t, function(a, b) return a.k < b.k end)
local _ = {pcall(function() for k in pairs({ [{}] = 1 }) do end end)}
local _ = {pcall(setmetatable, {}, { __mode = "k" })}
local keys = { [2^53 | 0] = 1, [(2^53 | 0) + 1] = 2, [1.5] = 3, [math.huge] = 4, x = 5, [true] = 6 }
for k, v in pairs(keys) do end
rule { id = "fuzz/d", on = "x", severity = "info", cite = "c",
  check = function() return t[1].id end }
