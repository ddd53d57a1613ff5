return { name = "fuzz", version = "1", jurisdiction = "*", rules = { "rules.lua" } }
--8<--
-- issue 10, class 1: library loops on a length of 2^40, at load time
local function huge()
  return setmetatable({}, { __len = function() return 1 << 40 end,
                            __index = rawlen, __newindex = rawequal })
end
pcall(table.remove, huge(), 1)
pcall(table.insert, huge(), 1, "x")
pcall(table.concat, huge())
local n = 0
table.sort(setmetatable({}, { __len = function() n = n + 1
  return n == 1 and 3 or (1 << 31) - 2 end, __index = rawlen, __newindex = rawequal }))
local s = "\x80" for i = 1, 16 do s = s .. s end
local iter = utf8.codes("a")
for i = 1, 1e9 do iter(s, 0) end
