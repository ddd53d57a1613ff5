-- tests/packs/attacks/results.lua — returning what the engine cannot or
-- must not take: functions and cycles in details, tables whose metatable
-- runs code when the engine reads them (outside the rule's budget), the
-- pack's environment, and findings or obligations far larger than the
-- rule's memory limit. (An endless __index, and details that double at
-- every level, would hang a broken host: those are in
-- tests/unit/test_sandbox.c, run in a child process with a timeout.)
local attack = require "lib.attack"

attack("details-function", function()
  return { message = "has a function", details = { f = print } }
end)

attack("details-cycle", function()
  local t = {}
  t.self = t
  return { message = "has a cycle", details = t }
end)

attack("details-nan", function()
  return { message = "has NaN", details = { x = 0 / 0 } }
end)

attack("return-function", function()
  return print
end)

attack("return-coroutine", function()
  return coroutine.create(print)
end)

attack("result-index-error", function()
  -- the engine reads `message` from what check returned
  return setmetatable({}, { __index = function() error("raised from __index") end })
end)

attack("result-index-slow", function()
  return setmetatable({}, { __index = function()
    local n = 0
    for i = 1, 20000000 do n = n + i end -- bounded: see the header
  end })
end)

attack("finding-index-error", function()
  -- a list holding a finding whose message only __index can give
  return { setmetatable({}, {
    __index = function() error("raised from a finding's __index") end }) }
end)

attack("return-env", function()
  return _ENV
end)

attack("amplify-findings", function()
  -- 64 references to one 512 KiB string: 32 MiB of findings
  local s = ("x"):rep(512 * 1024)
  local t = {}
  for i = 1, 64 do t[i] = s end
  return t
end)

attack("amplify-details", function()
  local s = ("x"):rep(512 * 1024)
  local t = {}
  for i = 1, 64 do t[i] = s end
  return { message = "big details", details = { copies = t } }
end)

attack("amplify-obligations", function(e, ctx)
  -- 40 obligations with one 1 MiB note: 40 MiB in the host's buffer
  local note = ("x"):rep(1 << 20)
  for i = 1, 40 do
    ctx.obligation { action = "amplify", due = "2026-02-01", note = note }
  end
end)
