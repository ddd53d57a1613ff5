-- jurisdictions/us-md/lib/metrc.lua — helpers shared by this pack's rules:
-- the "recorded in Metrc within N hours of occurred_at" check, deadlines as
-- RFC 3339 timestamps on the pack's zone clock, readable durations, record
-- names for messages and param checks.
--
-- How the window is measured (pack conventions, "Time"):
--   * instant arithmetic: elapsed = time.seconds_between(occurred_at, t),
--     whatever offsets the two timestamps are written in, so a DST change
--     between them never adds or removes an hour. 24 h of real time from
--     2026-03-07T10:00-05:00 ends at 2026-03-08T11:00-04:00 (wall clock
--     25 h later); from 2026-10-31T10:00-04:00 it ends at
--     2026-11-01T09:00-05:00 (wall clock 23 h later).
--   * elapsed == window (24 h 0 min 0 s) is on time; window + 1 s is late.
--     Fractions of a second are ignored, as time.seconds_between does.
--   * not yet recorded: late once ctx.as_of is past the deadline (as_of ==
--     deadline is still on time); until then an obligation, no finding.
--   * recorded before occurred_at (a negative elapsed time, e.g. a transfer
--     created in Metrc ahead of the move) is on time.
--   * metrc_reported_at that is not a full timestamp (a number, a bare
--     date, text) is a finding: the window cannot be checked from it.

local time = require "edict.time"

local M = {}

-- v as a trimmed non-empty string, else nil (nil, numbers, tables, "  ").
function M.text(v)
  if type(v) ~= "string" then return nil end
  local s = v:match("^%s*(.-)%s*$")
  if s == "" then return nil end
  return s
end

-- A short, deterministic description of a value for messages (never a
-- table address).
function M.show(v)
  local t = type(v)
  if t == "string" then return ("%q (text)"):format(v) end
  if t == "table" then return "a list or object" end
  return ("%s (a %s)"):format(tostring(v), t)
end

-- The id of the record the event is about (data[field]), or a stand-in
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

-- params.report_window_hours in whole seconds (and as given).
function M.window(ctx)
  local h = ctx.params.report_window_hours
  if type(h) ~= "number" or h <= 0 then
    error("params.report_window_hours must be a positive number of hours", 0)
  end
  return math.floor(h * 3600), h
end

-- params.zone, checked (an unknown zone is refused by time.to_zone).
function M.zone(ctx)
  local z = ctx.params.zone
  if type(z) ~= "string" or z == "" then
    error("params.zone must be an IANA time zone name such as \"America/New_York\"", 0)
  end
  return z
end

-- The instant `epoch` (seconds since 1970-01-01T00:00:00Z) as RFC 3339 on
-- the clock of `zone` (e.g. 2026-03-08T11:00:00-07:00).
function M.at(epoch, zone)
  local days, rem = epoch // 86400, epoch % 86400
  local utc = ("%sT%02d:%02d:%02dZ"):format(time.add_days("1970-01-01", days),
    rem // 3600, rem % 3600 // 60, rem % 60)
  return time.to_zone(utc, zone)
end

-- The "recorded in Metrc within the window" check for one activity.
-- spec = { what = "destruction of waste W-1" (subject of the messages),
--          window_name = "window of 4 CCR §15049(b)" (what allows the hours),
--          action = "record_in_metrc" (obligation action) }
-- Returns a finding table or nil; adds the obligation when the activity is
-- not recorded yet and the deadline has not passed at ctx.as_of.
function M.report_window(e, ctx, spec)
  local d = e.data or {}
  local secs, hours = M.window(ctx)
  local zone = M.zone(ctx)
  local occ = e.occurred_at
  local due = M.at(time.epoch(occ) + secs, zone)
  local h = M.hours_text(hours)
  local v = d.metrc_reported_at

  if v == nil or (type(v) == "string" and M.text(v) == nil) then
    local elapsed = time.seconds_between(occ, ctx.as_of)
    if elapsed > secs then
      return {
        message = ("%s is not recorded in Metrc (no metrc_reported_at) and is overdue: "
          .. "due by %s, %s h after it occurred at %s; %s past due as of %s. "
          .. "Record it in Metrc now and document why it is late")
          :format(spec.what, due, h, occ, M.span(elapsed - secs), ctx.as_of),
        evidence_required = { "metrc_entry_record" },
        details = { occurred_at = occ, deadline = due, window_hours = hours,
                    as_of = ctx.as_of, elapsed_seconds = elapsed,
                    overdue_seconds = elapsed - secs },
      }
    end
    ctx.obligation {
      action = spec.action,
      due = due,
      note = ("record %s in Metrc by %s (%s h after %s)"):format(spec.what, due, h, occ),
    }
    return nil
  end

  if not M.is_timestamp(v) then
    return {
      message = ("%s: metrc_reported_at is %s, not a timestamp, so the %s h %s "
        .. "(deadline %s) cannot be checked; record when the Metrc entry was made "
        .. "as an RFC 3339 timestamp")
        :format(spec.what, M.show(v), h, spec.window_name, due),
      evidence_required = { "metrc_entry_record" },
      details = { occurred_at = occ, deadline = due, window_hours = hours,
                  metrc_reported_at = type(v) == "table" and "(table)" or v },
    }
  end

  local took = time.seconds_between(occ, v)
  if took > secs then
    return {
      message = ("%s was recorded in Metrc at %s, %s after it occurred at %s: "
        .. "later than the %s h %s (deadline %s, %s late). "
        .. "Document the cause of the delay and correct the recording process")
        :format(spec.what, v, M.span(took), occ, h, spec.window_name, due, M.span(took - secs)),
      evidence_required = { "metrc_entry_record" },
      details = { occurred_at = occ, deadline = due, window_hours = hours,
                  metrc_reported_at = v, elapsed_seconds = took,
                  late_seconds = took - secs },
    }
  end
  return nil
end

return M
