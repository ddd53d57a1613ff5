-- jurisdictions/us-dot/lib/fields.lua — reading driver.status fields
-- safely: every rule of the pack reads its dates through here, so a
-- missing field, a number where a timestamp belongs or a malformed
-- timestamp never raises a Lua error; it comes back as a state the rule
-- turns into a finding or into "does not apply".
--
-- Contract decided here (README.md "Readings chosen"):
--   * `*_at` fields are RFC 3339 timestamps (date, time and offset); a bare
--     date there is refused, because the rules order queries and duty
--     within a day and count hours. Exceptions: hired_at (only named in
--     messages) and the violation dates determined_at / reported_at (only
--     their civil day counts under 382.705) also accept a plain date.
--   * medical_cert_expires is a date; a timestamp is read as its local date
--     on the employer's clock (M.day).
--   * Every date a rule compares is a local date on the employer's clock:
--     params.zone, else the pack's manifest zone (edict.read.zone), so the
--     same instant written with Z or with a local offset gives the same
--     decision. A plain date is that day.
--   * JSON null, a missing key and the empty string all mean "not recorded".
--   * A year outside 1900..2199 is unreadable (a typo such as 0202 or
--     9999 would otherwise break business-day and retention arithmetic).

local time = require "edict.time"
local read = require "edict.read"

local M = {}

-- The employer's clock: params.zone, else the pack's zone.
M.zone = read.zone

-- The local date of a readable date or timestamp v on the employer's clock.
function M.day(v, ctx)
  return time.local_day(v, read.zone(ctx))
end

-- as_of's local date on the employer's clock.
M.today = read.today

-- Dates outside these years are refused as unreadable: the US federal
-- holiday calendar (business days) covers 1900..2200, and retention adds up
-- to a few years to a date.
local YEAR_MIN, YEAR_MAX = 1900, 2199

-- At most this many characters of a bad value are quoted in a message.
local QUOTE_MAX = 40

local function quote(v)
  local s = tostring(v)
  if #s > QUOTE_MAX then s = s:sub(1, QUOTE_MAX) .. "…" end
  return ("%q"):format(s)
end

-- The event's data as a table ({} when data is missing or not an object).
function M.data(e)
  local d = e.data
  if type(d) == "table" then return d end
  return {}
end

-- The driver's id for messages.
function M.driver(d)
  local id = d.driver_id
  if id == nil or id == "" then return "(no driver_id)" end
  if type(id) ~= "string" and type(id) ~= "number" then
    return ("(driver_id is a %s)"):format(type(id))
  end
  return tostring(id)
end

-- read(v, kind) -> state, value_or_reason.
--   kind: "timestamp" (date-time required), "any" (a date or a timestamp)
--         or "date" (a date; a timestamp gives its civil date as written).
--   state: "absent", "ok" (value = the string as given: M.day gives its
--          local date), or "bad" (reason = why, for a message).
function M.read(v, kind)
  if v == nil or v == "" then return "absent" end
  if type(v) ~= "string" then
    return "bad", ("is a %s (%s), not %s"):format(type(v), quote(v),
      kind == "date" and "a date" or "an RFC 3339 timestamp")
  end
  if time.valid(v) then
    local y = time.parse(v).year
    if y < YEAR_MIN or y > YEAR_MAX then
      return "bad", ("%s is outside the years this pack can check (%d–%d)")
        :format(quote(v), YEAR_MIN, YEAR_MAX)
    end
  end
  if kind == "date" then
    if time.valid(v) then return "ok", v end
    local _, why = time.valid(v)
    return "bad", ("%s is not a valid date (%s)"):format(quote(v), tostring(why))
  end
  if time.valid(v, kind) then return "ok", v end
  if kind == "timestamp" and time.valid(v, "date") then
    return "bad", ("%s is a date without a time of day and offset; record the "
      .. "full RFC 3339 timestamp (e.g. %sT09:00:00-05:00)"):format(quote(v), v)
  end
  local _, why = time.valid(v, kind)
  return "bad", ("%s is not a valid RFC 3339 timestamp (%s)"):format(quote(v), tostring(why))
end

-- field(d, name, kind): read(d[name], kind).
function M.field(d, name, kind)
  return M.read(d[name], kind)
end

-- The major finding for an unreadable field `name` of driver d.
function M.bad_field(d, name, why, evidence)
  return {
    message = ("driver %s: field %s %s; correct the record so it can be checked")
      :format(M.driver(d), name, why),
    severity = "major",
    evidence_required = { evidence or "corrected_record" },
    details = { driver_id = d.driver_id, field = name, problem = why },
  }
end

-- The later of two timestamps (either may be nil).
function M.later(a, b)
  if a == nil then return b end
  if b == nil then return a end
  if time.compare(a, b) >= 0 then return a end
  return b
end

-- Hours as text: "24", "24.5", "0.02".
function M.hours_text(seconds)
  local h = seconds / 3600
  if seconds % 3600 == 0 then return ("%d"):format(seconds // 3600) end
  local t = ("%.2f"):format(h):gsub("0+$", ""):gsub("%.$", "")
  return t
end

function M.plural(n)
  return (n == 1 or n == -1) and "" or "s"
end

-- A non-negative integer param, or a clear error naming it.
function M.count_param(ctx, name)
  local v = ctx.params[name]
  if math.type(v) ~= "integer" or v < 0 then
    error(("params.%s must be a non-negative integer, got %s"):format(name, tostring(v)), 0)
  end
  return v
end

return M
