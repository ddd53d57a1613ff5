-- tests/packs/attacks/mutation.lua — changing what other rules see: the
-- event, ctx, the shared standard library, the pack's globals (and a
-- table held in one). Other tenants' states are separate sandboxes: see
-- isolation_* and pack_tenants_* in tests/unit/test_sandbox.c.
-- luacheck: globals rule config counter
local attack = require "lib.attack"

-- A pack global holding a table; attacks/config-reader checks it is intact.
config = { threshold = 10 }

attack("event-write", function(e)
  e.data.attack = "none"
end)

attack("event-nested-write", function(e)
  e.data.witness.name = "forged"
end)

attack("event-rawset", function(e)
  rawset(e, "type", "other.type")
end)

attack("event-setmetatable", function(e)
  setmetatable(e.data, { __index = { attack = "none" } })
end)

attack("event-table-insert", function(e)
  table.insert(e.data.photos, { sha256 = "forged" })
end)

attack("ctx-write", function(e, ctx)
  ctx.params.threshold = 0
end)

attack("ctx-tenant", function(e, ctx)
  ctx.tenant = "someone-else"
end)

attack("string-patch", function()
  string.upper = function() return "pwned" end
end)

attack("string-rawset", function()
  rawset(string, "format", function() return "pwned" end)
end)

attack("string-setmetatable", function()
  setmetatable(string, { __index = function() return function() return "pwned" end end })
end)

attack("global-assign", function()
  counter = 1
end)

attack("global-replace", function()
  config = { threshold = 0 }
end)

attack("global-rawset", function()
  rawset(_ENV, "config", { threshold = 0 })
end)

attack("global-table-write", function()
  config.threshold = 0
end)

attack("env-metatable", function()
  if getmetatable(_ENV) ~= "read-only" then return "the pack env's metatable is reachable" end
  setmetatable(_ENV, nil)
end)

-- Reads the pack global table; any value but 10 means a rule changed it.
rule {
  id = "attacks/config-reader",
  on = "attack.run",
  severity = "critical",
  cite = "ZZ-TEST witness",
  check = function(e, ctx)
    if config.threshold ~= 10 then
      return ("config-reader: config.threshold is %s, not 10"):format(tostring(config.threshold))
    end
    if ctx.params.threshold ~= 10 or ctx.tenant ~= e.tenant then
      return "config-reader: ctx changed"
    end
  end,
}

-- Issue 10, class 4: state carried from one event to the next through
-- what the pack made at load time. A `__*` field of a pack table stayed
-- writable when the table was frozen; a module kept only by require was
-- never frozen. (Each counted 1, 2, 3 across events at 86c1066.)
local Counter = { __count = 0 }
Counter.__index = Counter

attack("metafield-write", function()
  Counter.__count = Counter.__count + 1
  return "count " .. Counter.__count
end)

require "lib.tally" -- kept by require alone

attack("required-module-write", function()
  local tally = require "lib.tally"
  tally.n = tally.n + 1
  return "tally " .. tally.n
end)
