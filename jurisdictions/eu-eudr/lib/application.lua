-- jurisdictions/eu-eudr/lib/application.lua — is the EUDR applicable to this
-- event yet? Shared by every rule of the pack, so that "not yet in force"
-- is decided one way only.
--
-- Reg. (EU) 2025/2650 (FACTS §5 [P/S]) moved the application dates to
-- 30 Dec 2026 for large and medium operators and 30 Jun 2027 for micro and
-- small ones (params application_date_large_medium / _micro_small).
--
-- Readings taken here:
--   * the event's date is occurred_at's date on the pack's clock (the
--     manifest zone, Europe/Brussels), whatever offset it is written in:
--     the same date the engine uses to pick the pack version;
--   * "before" is strict: an event ON the application date is in force;
--   * the operator's size comes from data.operator_size, trimmed and
--     case-insensitive (edict.read.enum: "Small " is small);
--     missing or unrecognised → params.default_operator_size ("large", the
--     earlier date), and the decision says the size was assumed.

local time = require "edict.time"
local read = require "edict.read"

local M = {}

local GROUP = { large = "large_medium", medium = "large_medium",
                small = "micro_small", micro = "micro_small" }
local SIZES = { large = true, medium = true, small = true, micro = true }

-- The size the event declares (lower case), or nil and why it was not usable.
local function declared_size(d)
  local k, why = read.enum(d.operator_size, SIZES)
  if k then return k end
  return nil, ("operator_size %s"):format(why)
end

-- The application date for a size group, checked (a bad tenant override
-- fails loudly instead of deciding silently wrong).
local function date_param(params, group)
  local name = "application_date_" .. group
  local v = params[name]
  if not time.valid(v) then
    error(("params.%s must be a date (YYYY-MM-DD)"):format(name), 0)
  end
  return time.date(v)
end

-- status(e, ctx) -> {
--   in_force = bool, application_date = "YYYY-MM-DD", occurred_on = "YYYY-MM-DD",
--   operator_size = "large"|…, size_assumed = bool, size_note = text or nil }
function M.status(e, ctx)
  local params = ctx.params
  local d = e.data or {}
  local size, why = declared_size(d)
  local assumed = size == nil
  if assumed then
    size = type(params.default_operator_size) == "string" and params.default_operator_size:lower()
    if not GROUP[size] then
      error("params.default_operator_size must be large, medium, small or micro", 0)
    end
  end
  local app = date_param(params, GROUP[size])
  local on = time.local_day(e.occurred_at, ctx.zone)
  return {
    in_force = time.days_between(app, on) >= 0,
    application_date = app,
    occurred_on = on,
    operator_size = size,
    size_assumed = assumed,
    size_note = assumed and ("%s: decided as %s"):format(why, size) or nil,
  }
end

-- Is the event in force? (Rules other than not-yet-in-force return nothing
-- when it is not.)
function M.in_force(e, ctx)
  return M.status(e, ctx).in_force
end

return M
