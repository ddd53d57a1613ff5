-- jurisdictions/us-or/lib/util.lua — helpers shared by the us-or rule files:
-- reading optional fields without raising, Oregon local days, checked params
-- and the waste hold scope of OAR 845-025-7750.
--
-- Nothing here keeps state: every function builds its result in locals, so
-- the module is safe to share between rules and events (pack data is
-- read-only once loaded).

local time = require "edict.time"
local read = require "edict.read"

local M = {}

-- v as a trimmed non-empty string; an identifier (or an integer as text);
-- a value described for messages: edict.read's.
M.text = read.text
M.ident = read.ident
M.describe = read.describe

-- How a message names a record: its id, or "(no <field>)".
function M.name(v, field)
  return M.ident(v) or ("(no %s)"):format(field)
end

-- A number for messages: 24 → "24", 24.1 → "24.1".
function M.num(n)
  return ("%g"):format(n)
end

local PLAIN_DATE = "^%d%d%d%d%-%d%d%-%d%d$"

-- True when s is a plain YYYY-MM-DD date (no time of day).
function M.is_plain_date(s)
  return type(s) == "string" and s:match(PLAIN_DATE) ~= nil
end

-- The local calendar day of s in zone: a plain date is that day as written;
-- a timestamp is the day on the zone's clock at that instant. nil and the
-- reason when s is missing, not a string or not a valid date.
function M.local_day(s, zone)
  if s == nil then return nil, "not recorded" end
  if type(s) ~= "string" then return nil, ("%s, not a date"):format(M.describe(s)) end
  local ok, why = time.valid(s)
  if not ok then return nil, ("%q is not a valid date or timestamp (%s)"):format(s, tostring(why)) end
  return time.local_day(s, zone)
end

-- A param that must be an integer >= min; a bad tenant override fails with
-- a clear message rather than deciding silently wrong.
function M.int_param(ctx, key, min)
  local v = ctx.params[key]
  if math.type(v) ~= "integer" or v < min then
    error(("params.%s must be an integer >= %d (got %s)"):format(key, min, tostring(v)), 0)
  end
  return v
end

-- A param that must be a number > 0.
function M.positive_param(ctx, key)
  local v = ctx.params[key]
  if type(v) ~= "number" or not (v > 0) then
    error(("params.%s must be a number > 0 (got %s)"):format(key, tostring(v)), 0)
  end
  return v
end

function M.bool_param(ctx, key)
  local v = ctx.params[key]
  if type(v) ~= "boolean" then
    error(("params.%s must be true or false (got %s)"):format(key, tostring(v)), 0)
  end
  return v
end

-- Oregon's clock: the pack's manifest zone.
function M.zone(ctx)
  return ctx.zone
end

-- ---------------------------------------------------------------- waste

local WASTE_TYPES = { plant = true, post_harvest = true, product = true }

-- The waste_type, normalised ("Post-Harvest" → post_harvest), or nil.
function M.waste_type(d)
  local t = M.text(d.waste_type)
  if not t then return nil end
  t = t:lower():gsub("[%s%-]+", "_")
  if WASTE_TYPES[t] then return t end
  return nil
end

-- The whole-plant height when it is a readable number >= 0, else nil.
function M.plant_height(d)
  local h = d.whole_plant_height_in
  if type(h) == "number" and h >= 0 and h < math.huge then return h end
  return nil
end

-- Whether OAR 845-025-7750's hold applies to this waste record:
--   held     true/false
--   why      the category, for messages
--   unknown  nil, or why the category could not be told (then held = true:
--            the licensee has to show the waste was outside the hold, so an
--            undocumented record is treated as held — the precautionary
--            reading, see README)
function M.hold_scope(d, ctx)
  local limit = M.positive_param(ctx, "hold_height_in")
  local wt = M.waste_type(d)
  if wt == "post_harvest" then
    return { held = true, why = "post-harvest waste" }
  elseif wt == "plant" then
    local h = M.plant_height(d)
    if h then
      if h > limit then
        return { held = true, height = h,
          why = ("a whole plant %s in tall (over %s in)"):format(M.num(h), M.num(limit)) }
      end
      return { held = false, height = h,
        why = ("a whole plant %s in tall (not over %s in)"):format(M.num(h), M.num(limit)) }
    end
    return { held = true,
      why = ("a whole plant of unrecorded height (held as if over %s in)"):format(M.num(limit)),
      unknown = ("whole_plant_height_in is %s"):format(M.describe(d.whole_plant_height_in)) }
  elseif wt == "product" then
    local held = M.bool_param(ctx, "hold_product_waste")
    return { held = held, why = "waste that was once a marijuana item (product)" }
  end
  local why = d.waste_type == nil and "waste_type is not recorded"
    or ("waste_type %s is not plant, post_harvest or product"):format(M.describe(d.waste_type))
  return { held = true, why = "waste of unknown type (held as a precaution)", unknown = why }
end

-- True when the record says the waste has been destroyed: a destroyed_at is
-- recorded (readable or not), or the optional flag destroyed = true.
function M.destroyed(d)
  return d.destroyed_at ~= nil or d.destroyed == true
end

return M
