return {
  name = "fuzz", version = "2026.1", jurisdiction = { "US-TX", "US-OR" },
  title = "t", description = "d",
  effective_from = "2026-01-01", effective_until = "2026-12-31",
  params = { days = 30, sev = "info", nested = { a = 1, b = { 2, 3 } } },
  rules = { "rules.lua" },
}
--8<--
local time = require "edict.time"
local hash = require "edict.hash"
local helper = setmetatable({}, { __index = function(t, k) return k end })
rule { id = "fuzz/one", on = { "a.b", "c.d" }, severity = "critical", cite = "c", title = "x",
  check = function(e, ctx) if helper.x then return { message = "m", details = { k = 1 } } end end }
rule { id = "fuzz/two.x_y-z", on = "a.b", severity = "info", cite = "c",
  check = function(e, ctx) ctx.obligation { action = "a", due = "2026-01-01" } end }
