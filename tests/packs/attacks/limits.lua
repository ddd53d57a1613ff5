-- tests/packs/attacks/limits.lua — exhausting the budget: loops, loops in
-- pcall, coroutines, memory bombs, deep recursion, pathological patterns,
-- huge rep and move, __gc and __close tricks, error values that loop.
-- Work that would escape the budget without a visible error (an xpcall
-- handler running with hooks off) is measured in tests/unit/test_sandbox.c:
-- a fixture has no way to see it short of hanging.
local attack = require "lib.attack"

attack("loop", function()
  while true do end
end)

attack("pcall-loop", function()
  while true do
    pcall(function() while true do end end)
  end
end)

attack("pcall-swallow", function()
  local ok, err = pcall(function() while true do end end)
  return "survived the stop: " .. tostring(err)
end)

attack("coroutines-many", function()
  -- each coroutine runs fewer instructions than the hook interval
  while true do
    local co = coroutine.create(function() for i = 1, 500 do end end)
    coroutine.resume(co)
  end
end)

attack("coroutine-yield", function()
  local co = coroutine.wrap(function()
    while true do
      for i = 1, 100 do end
      coroutine.yield()
    end
  end)
  while true do co() end
end)

attack("coroutine-wrap-budget", function()
  -- 3M instructions in a coroutine plus 3M in the rule: over 5M together
  local f = coroutine.wrap(function() for i = 1, 3000000 do end end)
  f()
  for i = 1, 3000000 do end
  return "the coroutine's instructions were free"
end)

attack("xpcall-handler-loop", function()
  xpcall(function() while true do end end, function(m)
    local n = 0
    for i = 1, 3000000 do n = n + i end -- bounded: an endless one would hang a broken host
    return m .. n
  end)
  return "survived the stop"
end)

attack("error-tostring-loop", function()
  error(setmetatable({}, { __tostring = function() while true do end end }))
end)

attack("error-table", function()
  error({ code = 42 })
end)

attack("rep-huge", function()
  return ("x"):rep(1e15)
end)

attack("rep-empty", function()
  -- nothing to copy: instant, and no error
  local s = ("").rep("", 1e15) .. string.rep("", 1e15, "")
  if s ~= "" then return "rep of nothing gave something" end
end)

attack("memory-strings", function()
  local big = ("x"):rep(1 << 20)
  local t = {}
  for i = 1, 100 do t[i] = big .. i end
end)

attack("memory-tables", function()
  local t = {}
  for i = 1, 1e9 do t[i] = {} end
end)

attack("memory-pcall", function()
  local big = ("x"):rep(1 << 20)
  while true do
    pcall(function()
      local t = {}
      for i = 1, 100 do t[i] = big .. i end
    end)
  end
end)

attack("deep-recursion", function()
  local function f(n) return 1 + f(n + 1) end
  return f(1)
end)

attack("pattern", function()
  return ("a"):rep(40000):find(("a-"):rep(40) .. "b")
end)

attack("table-move", function()
  return table.move({}, 1, 1e15, 1)
end)

attack("sort-refund", function()
  -- a length of -2^62 must not give the rule 2^62 more instructions
  table.sort(setmetatable({}, { __len = function() return -(1 << 62) end }))
  while true do end
end)

attack("gc-finaliser", function()
  setmetatable({}, { __gc = function() while true do end end })
end)

attack("close-loop", function()
  local guard <close> = setmetatable({}, { __close = function() while true do end end })
  return "closed"
end)

-- Issue 10, class 1: the library loops in C on a count the rule controls.
-- A table of 2^40 elements made by C functions, so that no Lua instruction
-- runs (and the count hook never fires) while the library walks it.
local function huge()
  return setmetatable({}, { __len = function() return 1 << 40 end,
                            __index = rawlen, __newindex = rawequal })
end

attack("table-remove-len", function()
  table.remove(huge(), 1)
end)

attack("table-insert-len", function()
  table.insert(huge(), 1, "x")
end)

attack("table-concat-index", function()
  return table.concat(huge())
end)

attack("table-unpack-range", function()
  local t = huge()
  for i = 1, 1e9 do table.unpack(t, 1, 100000) end
end)

attack("table-sort-len-twice", function()
  -- the length answers 3, then 2^31 - 2 to anyone who asks again
  local n = 0
  local t = setmetatable({}, { __len = function() n = n + 1
      return n == 1 and 3 or (1 << 31) - 2 end,
    __index = rawlen, __newindex = rawequal })
  table.sort(t)
  if n ~= 1 then return "table.sort asked the length " .. n .. " times" end
end)

attack("utf8-codes-skip", function()
  local s = "\x80"
  for i = 1, 20 do s = s .. s end -- 1 MiB, cheaper than rep
  local iter = utf8.codes("a")
  for i = 1, 1e9 do iter(s, 0) end
end)

attack("tonumber-long", function()
  local s = " "
  for i = 1, 22 do s = s .. s end -- 4 MiB, cheaper than rep
  s = s .. "1"
  for i = 1, 1e9 do tonumber(s) end
end)
