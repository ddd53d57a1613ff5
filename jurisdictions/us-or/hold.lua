-- jurisdictions/us-or/hold.lua — the OAR 845-025-7750 camera hold: post-
-- harvest waste, whole plants over 24 in and (params.hold_product_waste)
-- waste that was once a marijuana item are held on the premises at least 3
-- business days under camera coverage before destruction.
--
-- Counting, decided here (the reading; see README "Readings chosen"):
--   * held_since is when the waste was placed on hold. Its local Oregon
--     date (params.zone) is day 0 and never counts, whatever the hour.
--   * the hold ends at the close of the 3rd business day after it:
--     time.business_deadline(day 0, 3). Business days are Monday–Friday
--     except observed US federal holidays (edict.time); Oregon state
--     holidays are not in FACTS.md and are not counted (counsel list).
--   * destruction is allowed from the next calendar day on: a destroyed_at
--     whose local date is on or before the hold's last day is premature.
--   * a held_since or destroyed_at written as a plain date is that day.
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

    local hold_end = time.business_deadline(day0, n)
    local earliest = time.add_days(hold_end, 1)
    local details = {
      waste_id = d.waste_id, category = scope.why, held_since = d.held_since,
      held_since_local_date = day0, business_days = n, hold_end = hold_end,
      earliest_destruction = earliest, zone = zone,
    }

    if not U.destroyed(d) then
      ctx.obligation {
        action = "hold_waste_under_camera",
        due = hold_end,
        note = ("keep waste %s on the premises under camera coverage through %s (%d business days "
          .. "after %s); destroy it no earlier than %s and record destroyed_at and the method")
          :format(id, hold_end, n, day0, earliest),
      }
      return
    end

    local dday = U.local_day(d.destroyed_at, zone)
    if not dday then return end -- us-or/waste-destruction-time reports it
    details.destroyed_at = d.destroyed_at
    details.destroyed_local_date = dday
    if dday > hold_end then return end
    local held = math.max(time.business_days_between(day0, dday), 0)
    details.business_day_of_destruction = held
    local when = held == 0 and "before the first business day of the hold"
      or ("%s business day %d of %d"):format(time.is_business_day(dday) and "on" or "after", held, n)
    return {
      message = ("waste %s (%s) was destroyed on %s, before its hold ended: placed on hold %s, it had "
        .. "to stay under camera through %s (%d business days) and could be destroyed from %s on; "
        .. "it was destroyed %s. Report the premature destruction and review the hold log")
        :format(id, scope.why, dday, day0, hold_end, n, earliest, when),
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
