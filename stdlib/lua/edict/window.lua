-- stdlib/lua/edict/window.lua — edict.window: the "recorded within N hours
-- of occurred_at" check, deadlines as RFC 3339 timestamps on a zone's
-- clock, readable durations, and descriptions of values and records for
-- messages. Written in Lua and built into edict; rules load it with
-- require "edict.window" (RULES.md). Like every stdlib module it is shared
-- by all packs and read-only: nothing here keeps state between calls.
--
-- How a window is measured:
--   * instant arithmetic: elapsed = time.seconds_between(occurred_at, t),
--     whatever offsets the two timestamps are written in, so a DST change
--     between them never adds or removes an hour. 24 h of real time from
--     2026-03-07T10:00-08:00 ends at 2026-03-08T11:00-07:00 in
--     America/Los_Angeles (wall clock 25 h later); from
--     2026-10-31T10:00-07:00 it ends at 2026-11-01T09:00-08:00 (23 h).
--   * elapsed == window (24 h 0 min 0 s) is on time; window + 1 s is late.
--     Fractions of a second are ignored, as time.seconds_between does, and
--     deadlines are written in whole seconds.
--   * not yet recorded: late once ctx.as_of is past the deadline (as_of ==
--     deadline is still on time); until then an obligation, no finding.
--   * recorded before occurred_at (a negative elapsed time, e.g. an entry
--     made ahead of the move) is on time.
--   * the window runs from e.occurred_at, or, with spec.from_field, from
--     e.data[from_field] when that is a full timestamp (when the activity
--     itself happened, e.g. destroyed_at, rather than when the record was
--     written).
--   * a recorded date without a time (metrc_reported_at = "2026-03-02") is
--     read on the zone's calendar: on the day the activity happened (or
--     before) it is within the window whatever the hour; after the
--     deadline's day it is late; on the deadline's own day the hour decides
--     and it cannot be checked.
--   * a recorded value that is neither (a number, text) is a finding: the
--     window cannot be checked from it.

local time = require "edict.time"
local read = require "edict.read"

local M = {}

-- The instant every deadline is counted from: time.epoch gives whole
-- seconds since it, so add_seconds from it drops the fraction of ts.
local EPOCH = "1970-01-01T00:00:00Z"

-- v as a trimmed non-empty string, else nil (nil, numbers, tables, "  "):
-- edict.read's.
M.text = read.text

-- A short, deterministic description of a value for messages (never a
-- table address): "\"x\" (text)", "12 (a number)", "a list or object".
function M.show(v)
  local t = type(v)
  if t == "string" then return ("%q (text)"):format(v) end
  if t == "table" then return "a list or object" end
  return ("%s (a %s)"):format(tostring(v), t)
end

-- The id of the record the event is about (e.data[field]), or a stand-in
-- naming the event so the analyst can still find it.
function M.record(e, field)
  local d = e.data or {}
  local v = d[field]
  if M.text(v) then return M.text(v) end
  if math.type(v) == "integer" then return tostring(v) end
  return ("(no %s, event %s)"):format(field, tostring(e.id))
end

-- true when v is a full RFC 3339 timestamp (a bare date does not say when
-- within the day, so it cannot be measured against an hour window).
function M.is_timestamp(v)
  return type(v) == "string" and #v > 10 and (time.valid(v)) == true
end

-- A duration for messages: "24 h 01 min", "23 h 59 min", "24 h 00 min 01 s",
-- "1 min", "1 s" (s seconds, sign ignored).
function M.span(s)
  s = math.abs(s)
  local h, m, sec = s // 3600, s % 3600 // 60, s % 60
  local out = {}
  if h > 0 then out[#out + 1] = ("%d h"):format(h) end
  if h > 0 then out[#out + 1] = ("%02d min"):format(m)
  elseif m > 0 then out[#out + 1] = ("%d min"):format(m) end
  if sec > 0 or #out == 0 then
    out[#out + 1] = ((h > 0 or m > 0) and "%02d s" or "%d s"):format(sec)
  end
  return table.concat(out, " ")
end

-- A number of hours as text: 24 -> "24", 1.5 -> "1.5".
function M.hours_text(h)
  if math.type(h) == "integer" then return ("%d"):format(h) end
  return ("%g"):format(h)
end

-- ctx.params[key] as a positive number of hours; a bad tenant override
-- fails with a message naming the param.
function M.hours_param(ctx, key)
  local h = ctx.params[key]
  if type(h) ~= "number" or not (h > 0) then
    error(("params.%s must be a positive number of hours"):format(key), 0)
  end
  return h
end

-- ctx.params[key] as a zone name (an unknown zone is refused later, by
-- edict.time). `example` is shown in the message ("America/New_York").
function M.zone_param(ctx, key, example)
  local z = ctx.params[key]
  if type(z) ~= "string" or z == "" then
    error(("params.%s must be an IANA time zone name%s"):format(key,
      example and (" such as %q"):format(example) or ""), 0)
  end
  return z
end

-- ctx.params[key] as a whole number of years >= 0; a bad tenant override
-- fails with a message naming the param.
function M.years_param(ctx, key)
  local y = ctx.params[key]
  if math.type(y) ~= "integer" or y < 0 then
    error(("params.%s must be a whole number of years >= 0 (got %s)"):format(key, M.show(y)), 0)
  end
  return y
end

-- Keep the decision ctx.params[key] years from the local date of `anchor`
-- (default e.occurred_at) on the pack's clock (ctx.zone; as written for a
-- pack without one), with time.add_years (2024-02-29 + 7 = 2031-02-28). A
-- date-only anchor is that day. Returns the date.
function M.retain_years(e, ctx, key, anchor)
  local years = M.years_param(ctx, key)
  anchor = anchor or e.occurred_at
  local day = ctx.zone and time.local_day(anchor, ctx.zone) or time.date(anchor)
  local until_ = time.add_years(day, years)
  ctx.retain_until(until_)
  return until_
end

-- The deadline `seconds` after the instant ts, as RFC 3339 in zone's
-- offset at that instant (UTC, "Z", without a zone), in whole seconds:
-- deadline("2026-03-07T10:00:00-08:00", 86400, "America/Los_Angeles") is
-- "2026-03-08T11:00:00-07:00".
function M.deadline(ts, seconds, zone)
  return time.add_seconds(EPOCH, time.epoch(ts) + seconds, zone)
end

-- What check() needs in its spec, and what each must be.
local SPEC = {
  { "what", "string", "text naming the activity" },
  { "window_name", "string", "text naming the window" },
  { "action", "string", "the obligation's action" },
  { "hours", "number", "a positive number of hours" },
  { "zone", "string", "a time zone name" },
  { "system", "string", "the name of the system of record" },
  { "field", "string", "the name of the event field with the recorded time" },
}

-- The "recorded in <system> within <hours> h of occurred_at" check for one
-- activity, measured as above. spec:
--   what         subject of the messages ("destruction of waste W-1")
--   window_name  what allows the hours ("window of 4 CCR §15049(b)")
--   action       the obligation's action ("record_in_metrc")
--   hours        the window in hours (a number > 0)
--   zone         the clock deadlines are written on ("America/Los_Angeles")
--   system       where the activity is recorded ("Metrc")
--   field        the e.data field with when it was ("metrc_reported_at")
--   evidence     optional: the evidence a finding asks for
--   from_field   optional: the e.data field with when the activity happened
--                ("destroyed_at"); occurred_at when it is no full timestamp
-- Returns a finding table or nil; adds the obligation when the activity is
-- not recorded yet and the deadline has not passed at ctx.as_of.
function M.check(e, ctx, spec)
  if type(spec) ~= "table" then
    error("edict.window.check: the spec must be a table", 2)
  end
  for _, s in ipairs(SPEC) do
    local v = spec[s[1]]
    if type(v) ~= s[2] or (s[2] == "number" and not (v > 0)) then
      error(("edict.window.check: spec.%s must be %s"):format(s[1], s[3]), 2)
    end
  end
  local d = e.data or {}
  local hours, sys, field = spec.hours, spec.system, spec.field
  local secs = math.floor(hours * 3600)
  local occ = e.occurred_at
  if spec.from_field ~= nil and M.is_timestamp(d[spec.from_field]) then
    occ = d[spec.from_field]
  end
  local due = M.deadline(occ, secs, spec.zone)
  local h = M.hours_text(hours)
  local evidence = spec.evidence and { spec.evidence } or nil
  local v = d[field]

  if v == nil or (type(v) == "string" and M.text(v) == nil) then
    local elapsed = time.seconds_between(occ, ctx.as_of)
    if elapsed > secs then
      return {
        message = ("%s is not recorded in %s (no %s) and is overdue: "
          .. "due by %s, %s h after it occurred at %s; %s past due as of %s. "
          .. "Record it in %s now and document why it is late")
          :format(spec.what, sys, field, due, h, occ, M.span(elapsed - secs), ctx.as_of, sys),
        evidence_required = evidence,
        details = { occurred_at = occ, deadline = due, window_hours = hours,
                    as_of = ctx.as_of, elapsed_seconds = elapsed,
                    overdue_seconds = elapsed - secs },
      }
    end
    ctx.obligation {
      action = spec.action,
      due = due,
      note = ("record %s in %s by %s (%s h after %s)"):format(spec.what, sys, due, h, occ),
    }
    return nil
  end

  if type(v) == "string" and not M.is_timestamp(v) and time.valid(M.text(v), "date") then
    -- a date only: the zone's calendar decides when it can
    local day, start = M.text(v), time.local_day(occ, spec.zone)
    if day <= start then return nil end
    local last = time.local_day(due, spec.zone)
    if day > last then
      return {
        message = ("%s was recorded in %s on %s (a date without a time), after the %s h %s "
          .. "ended (deadline %s, from %s). Document the cause of the delay and correct the "
          .. "recording process"):format(spec.what, sys, day, h, spec.window_name, due, occ),
        evidence_required = evidence,
        details = { occurred_at = occ, deadline = due, window_hours = hours, [field] = day },
      }
    end
  end

  if not M.is_timestamp(v) then
    return {
      message = ("%s: %s is %s, not a timestamp, so the %s h %s "
        .. "(deadline %s) cannot be checked; record when the %s entry was made "
        .. "as an RFC 3339 timestamp")
        :format(spec.what, field, M.show(v), h, spec.window_name, due, sys),
      evidence_required = evidence,
      details = { occurred_at = occ, deadline = due, window_hours = hours,
                  [field] = type(v) == "table" and "(table)" or v },
    }
  end

  local took = time.seconds_between(occ, v)
  if took > secs then
    return {
      message = ("%s was recorded in %s at %s, %s after it occurred at %s: "
        .. "later than the %s h %s (deadline %s, %s late). "
        .. "Document the cause of the delay and correct the recording process")
        :format(spec.what, sys, v, M.span(took), occ, h, spec.window_name, due,
          M.span(took - secs)),
      evidence_required = evidence,
      details = { occurred_at = occ, deadline = due, window_hours = hours,
                  [field] = v, elapsed_seconds = took,
                  late_seconds = took - secs },
    }
  end
  return nil
end

-- When a tenant's override sets ctx.params[key] (value v) away from the
-- statute the pack declares for it (ctx.bounds[key]), the text naming both
-- figures: "window of tenant policy 12 h; statute 24 h, 4 CCR §15049(b)",
-- so a message never cites the law for the tenant's figure. nil when the
-- param has no bound or keeps the statute's figure.
function M.figures(ctx, key, v, unit)
  local b = ctx.bounds and ctx.bounds[key]
  if b == nil or b.default == v or b.cite == nil then return nil end
  local function fig(x)
    return type(x) == "number" and M.hours_text(x) .. (unit and (" " .. unit) or "") or tostring(x)
  end
  return ("window of tenant policy %s; statute %s, %s"):format(fig(v), fig(b.default), b.cite)
end

-- A Metrc tag (plant or package label): v trimmed, upper-cased, when it is
-- `length` letters and digits (Metrc's 24, as 1A4FF0300000029000004150);
-- else nil and why ("\"N/A\" (text) is not a Metrc tag (24 letters and
-- digits)", "no tag recorded"). length 0 accepts any letters and digits.
function M.metrc_tag(v, length)
  if math.type(length) ~= "integer" or length < 0 then
    error("edict.window.metrc_tag: the length must be a whole number >= 0", 2)
  end
  local s = M.text(v)
  if s == nil then
    if v == nil or type(v) == "string" or v == false then return nil, "no tag recorded" end
    return nil, ("tag is %s, not a Metrc tag"):format(M.show(v))
  end
  local shape = length > 0 and ("%d letters and digits"):format(length) or "letters and digits"
  if not s:match("^%w+$") or (length > 0 and #s ~= length) then
    return nil, ("tag %s is not a Metrc tag (%s)"):format(M.show(v), shape)
  end
  return s:upper()
end

-- The Metrc states' "the phase of a phase change is recorded" check: nil
-- when e.data.phase is vegetative or flowering (any case, trimmed); a
-- finding (the rule's severity) when no phase is recorded; an info finding
-- for another phase, in case it is a typo. `requirement` names what the
-- phase decides ("plant tag", "UID").
function M.phase_recorded(e, requirement)
  local d = e.data or {}
  local plant = "plant " .. M.record(e, "plant_id")
  local p = read.text(d.phase)
  p = p and p:lower()
  if not p then
    local why = (d.phase == nil or type(d.phase) == "string") and "no phase recorded"
      or ("phase is %s"):format(M.show(d.phase))
    return {
      message = ("phase change of %s cannot be checked for its %s: %s. "
        .. "Record the new phase (vegetative or flowering)"):format(plant, requirement, why),
      evidence_required = { "plant_phase" },
      details = { plant_id = d.plant_id },
    }
  end
  if p ~= "vegetative" and p ~= "flowering" then
    return {
      severity = "info",
      message = ("phase change of %s to %q: not vegetative or flowering, so the %s "
        .. "requirement was not checked; correct the phase if it is a typo"):format(plant, p, requirement),
      details = { plant_id = d.plant_id, phase = p },
    }
  end
  return nil
end

-- The "recorded in Metrc within params.report_window_hours of the
-- activity" check of the Metrc states (us-ca, us-md), on the pack's clock
-- (ctx.zone): check() with Metrc's names. spec = { what, window_name,
-- action, from_field (optional, e.g. "destroyed_at") }.
function M.metrc(e, ctx, spec)
  if ctx.zone == nil then
    error(("edict.window.metrc: pack %s names no zone in its manifest"):format(tostring(ctx.pack)), 2)
  end
  local hours = M.hours_param(ctx, "report_window_hours")
  return M.check(e, ctx, {
    what = spec.what,
    window_name = M.figures(ctx, "report_window_hours", hours, "h") or spec.window_name,
    action = spec.action,
    from_field = spec.from_field,
    hours = hours,
    zone = ctx.zone,
    system = "Metrc",
    field = "metrc_reported_at",
    evidence = "metrc_entry_record",
  })
end

return M
