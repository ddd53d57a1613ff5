-- jurisdictions/us-or/hold.lua — the OAR 845-025-7750 camera hold: post-
-- harvest waste, whole plants over 24 in and (params.hold_product_waste)
-- waste that was once a marijuana item are held on the premises at least 3
-- business days under camera coverage before destruction.
--
-- Counting, decided here (the reading; see README "Readings chosen"):
--   * held_since is when the waste was placed on hold, read on Oregon's
--     clock (params.zone) whatever offset it was written in.
--   * params.hold_reading = "elapsed" (the default): "held ... at least 3
--     business days" is elapsed time. Destruction is allowed from the clock
--     time of placement on the 3rd business day after the placement date:
--     Tuesday 14:00 → Friday 14:00, Thursday 11:00 → the next Tuesday
--     11:00. Weekends and observed US federal holidays do not count
--     (edict.time); Oregon state holidays are not in FACTS.md and are not
--     counted (counsel list). When the hour of placement is not known (a
--     plain date) or the placement day is no business day, the count starts
--     at midnight of the next business day: destruction is allowed from the
--     end of the 3rd business day after the placement date.
--   * params.hold_reading = "close_of_day", the stricter reading for an
--     operator whose policy wants it: the placement day never counts,
--     whatever the hour, and the waste is held through the close of the
--     3rd business day after it; destruction is allowed from the next
--     calendar day's midnight (time.business_deadline).
--   * a destroyed_at written as a plain date is that local day: before the
--     first allowed day it is premature, after it fine; on that day itself
--     the hour is not known, and us-or/waste-destruction-time (not this
--     rule) reports the missing time.
--   * which waste is held: lib/util.lua hold_scope (unknown type or height
--     → held, as a precaution; us-or/waste-category reports the gap).
-- luacheck: globals rule

local time = require "edict.time"
local U = require "lib.util"

local OAR = "OAR 845-025-7750"

local function waste(d)
  return U.name(d.waste_id, "waste_id")
end

-- Held waste must be destroyed only after the hold; not yet destroyed, it
-- gets an obligation to stay on hold through the hold's last day. Premature
-- destruction → critical (the hold is the rule's whole point and cannot be
-- made up afterwards). No held_since → major: the hold cannot be checked
-- ("hold start not recorded"); it is a documentation gap, and a premature
-- destruction would show once the start is recorded.
rule {
  id = "us-or/waste-hold",
  on = "waste.recorded",
  severity = "critical",
  cite = OAR,
  check = function(e, ctx)
    local d = e.data or {}
    local scope = U.hold_scope(d, ctx)
    if not scope.held then return end
    local zone = U.zone(ctx)
    local n = U.int_param(ctx, "hold_business_days", 0)
    local id = waste(d)

    local day0, why = U.local_day(d.held_since, zone)
    if not day0 then
      return {
        message = ("waste %s is %s and must be held %d business days under camera, but the hold "
          .. "start is %s; record held_since, when it was placed on hold"):format(
          id, scope.why, n, d.held_since == nil and "not recorded" or why),
        severity = "major",
        evidence_required = { "hold_start_record" },
        details = { waste_id = d.waste_id, business_days = n },
      }
    end

    local reading = ctx.params.hold_reading
    if reading ~= "elapsed" and reading ~= "close_of_day" then
      error(('params.hold_reading must be "elapsed" or "close_of_day" (got %s)')
        :format(U.describe(reading)), 0)
    end
    -- The first moment destruction is allowed, on Oregon's wall clock.
    local clock = not U.is_plain_date(d.held_since) and time.local_time(d.held_since, zone) or nil
    local from_wall
    if reading == "elapsed" and clock and time.is_business_day(day0) then
      from_wall = ("%sT%02d:%02d:%02d"):format(time.add_business_days(day0, n),
        clock.hour, clock.min, clock.sec)
    else
      from_wall = time.add_days(time.business_deadline(day0, n), 1) .. "T00:00:00"
    end
    local from = time.from_local(from_wall, zone)
    local placed = clock and ("%s %02d:%02d"):format(day0, clock.hour, clock.min) or day0
    local allowed = from_wall:sub(12) == "00:00:00" and ("%s (from midnight)"):format(from_wall:sub(1, 10))
      or ("%s %s"):format(from_wall:sub(1, 10), from_wall:sub(12, 16))
    local details = {
      waste_id = d.waste_id, category = scope.why, held_since = d.held_since,
      held_since_local_date = day0, business_days = n, reading = reading,
      earliest_destruction = from, zone = zone,
    }

    if not U.destroyed(d) then
      ctx.obligation {
        action = "hold_waste_under_camera",
        due = from,
        note = ("keep waste %s on the premises under camera coverage for %d business days after "
          .. "it was placed on hold (%s); destroy it no earlier than %s, Oregon time, and record "
          .. "destroyed_at and the method"):format(id, n, placed, allowed),
      }
      return
    end

    local dday = U.local_day(d.destroyed_at, zone)
    if not dday then return end -- us-or/waste-destruction-time reports it
    details.destroyed_at = d.destroyed_at
    details.destroyed_local_date = dday
    local destroyed
    if U.is_plain_date(d.destroyed_at) then
      if dday >= from_wall:sub(1, 10) then return end -- on the day: the hour is unknown
      destroyed = dday
    else
      if time.compare(d.destroyed_at, from) >= 0 then return end
      local lt = time.local_time(d.destroyed_at, zone)
      destroyed = ("%s %02d:%02d"):format(dday, lt.hour, lt.min)
    end
    local held = math.max(time.business_days_between(day0, dday), 0)
    details.business_day_of_destruction = held
    local when = held == 0 and "before the first business day of the hold"
      or ("%s business day %d of %d"):format(time.is_business_day(dday) and "on" or "after", held, n)
    return {
      message = ("waste %s (%s) was destroyed on %s, before its hold ended: placed on hold %s, it had "
        .. "to stay under camera %d business days and could be destroyed from %s on (Oregon time, "
        .. "%s reading); it was destroyed %s. Report the premature destruction and review the "
        .. "hold log")
        :format(id, scope.why, destroyed, placed, n, allowed,
          reading == "elapsed" and "elapsed-time" or "close-of-day", when),
      evidence_required = { "hold_start_record", "camera_footage" },
      details = details,
    }
  end,
}

-- Held waste must be under camera coverage: camera_covered must be true.
-- false, missing or anything else → critical (uncovered held waste is the
-- diversion risk the hold exists to close). Checked whether or not the waste
-- has been destroyed: it must be covered for the whole hold.
rule {
  id = "us-or/waste-camera",
  on = "waste.recorded",
  severity = "critical",
  cite = OAR,
  check = function(e, ctx)
    local d = e.data or {}
    local scope = U.hold_scope(d, ctx)
    if not scope.held or d.camera_covered == true then return end
    local c = d.camera_covered
    local why = c == false and "is recorded as not under camera coverage"
      or c == nil and "has no record of camera coverage (camera_covered not recorded)"
      or ("has camera_covered %s, not true or false"):format(U.describe(c))
    return {
      message = ("waste %s (%s) %s; held waste must stay under camera coverage for the whole hold: "
        .. "move it into camera view and keep the footage"):format(waste(d), scope.why, why),
      evidence_required = { "camera_footage" },
      details = { waste_id = d.waste_id, category = scope.why },
    }
  end,
}
