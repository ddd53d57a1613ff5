return { name = "fuzz", version = "1", jurisdiction = "*", rules = { "rules.lua" } }
--8<--
-- issue 10, class 2: Lua 5.4.4 crashes, at load time
local function nest(n, f)
  if n == 0 then return f() end
  return select(2, pcall(nest, n - 1, f))
end
local prev
for i = 1, 300 do
  local p = prev
  local co = coroutine.create(function()
    local x <close> = setmetatable({}, { __close = function()
      if p then nest(150, function() coroutine.close(p) end) end
    end })
    coroutine.yield()
  end)
  coroutine.resume(co)
  prev = co
end
nest(150, function() coroutine.close(prev) end)
local _ = {load("local t = ...\nreturn t" .. (".a"):rep(5000) .. ".x()", "=chain", "t", {})}
local function r(n) if n > 0 then return 1 + r(n - 1) end return 0 end
local _ = {pcall(setmetatable, {}, { __concat = function() r(5000) return "x" end })}
local mt = {}
local t = setmetatable({}, mt)
mt.__concat = function() r(5000) return "x" end
local _ = {pcall(function() return "a" .. t .. "b" end)}
local _ = {pcall(setmetatable, { __newindex = {} }, { __mode = "v" })}
