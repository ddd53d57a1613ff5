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
