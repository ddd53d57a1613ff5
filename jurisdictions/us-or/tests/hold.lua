-- jurisdictions/us-or/tests/hold.lua — fixtures for the OAR 845-025-7750
-- camera hold under the default reading, hold_reading = "elapsed":
-- destruction is allowed from the clock time of placement on the 3rd
-- business day after the placement date, Oregon's wall clock (Tuesday
-- 14:00 → Friday 14:00; Thursday 11:00 → the next Tuesday 11:00). Both
-- sides of the boundary (one second apart) across a weekend, Independence
-- Day observed on Friday 2026-07-03, Thanksgiving (2026-11-26) and both
-- 2026 DST changes; the same instant written in UTC and in Oregon's
-- offset; placement on a Saturday and as a plain date (the count starts
-- at the next business day's midnight). Then 24 in vs 24.1 and 23.9, a
-- missing height, the camera, product waste and records not yet destroyed
-- (hold obligation). The stricter close_of_day reading is tested through
-- a tenant overlay in tests/cli/test_readings.sh.
--
-- Every record is otherwise complete (witness, photo, reason, method,
-- camera), so only the hold rules speak.

local SHA = ("c3"):rep(32)

-- A waste.recorded event for post-harvest waste W-2001 (unless patched).
local function event(id, held_since, destroyed_at, patch)
  local d = {
    waste_id = "W-2001", weight_g = 850, waste_type = "post_harvest",
    reason = "stems and fan leaves from harvest H-26-03", method = "grind and mix with soil",
    held_since = held_since, destroyed_at = destroyed_at, camera_covered = true,
    witness = { name = "R. Park", employee_id = "E-12" }, recorded_by = "E-4",
    photos = { { sha256 = SHA, uri = "s3://greenleaf-evidence/W-2001/1.jpg" } },
  }
  if patch then patch(d) end
  return { type = "waste.recorded", id = id, data = d,
    occurred_at = type(destroyed_at) == "string" and #destroyed_at > 10 and destroyed_at
      or "2026-03-02T09:00:00-08:00" }
end

local HOLD = { "us-or/waste-hold" }

return {
  -- the issue's examples
  { name = "placed Tuesday 14:00, destroyed Friday 15:00: held more than 3 business days, holds",
    event = event("h-tue-fri", "2026-03-03T14:00:00-08:00", "2026-03-06T15:00:00-08:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "placed Tuesday 14:00, destroyed Friday 14:00:00 exactly: allowed from then, holds",
    event = event("h-tue-fri-at", "2026-03-03T14:00:00-08:00", "2026-03-06T14:00:00-08:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "placed Tuesday 14:00, destroyed Friday 13:59:59: one second early, critical",
    event = event("h-tue-fri-early", "2026-03-03T14:00:00-08:00", "2026-03-06T13:59:59-08:00"),
    expect = { flag = "red", findings = HOLD, score = 75,
      messages = { "destroyed on 2026-03-06 13:59, before its hold ended",
        "could be destroyed from 2026-03-06 14:00 on", "on business day 3 of 3" } } },

  -- the weekend (and the spring DST change: Tuesday 03-10 is on PDT)
  { name = "placed Thursday 11:00 PST, destroyed the next Tuesday 11:00 PDT: the weekend skipped, holds",
    event = event("h-wkd-ok", "2026-03-05T11:00:00-08:00", "2026-03-10T11:00:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2033-03-10" } },

  { name = "placed Thursday 11:00, destroyed Tuesday 10:59:59 PDT: critical",
    event = event("h-wkd-early", "2026-03-05T11:00:00-08:00", "2026-03-10T10:59:59-07:00"),
    expect = { flag = "red", findings = HOLD, score = 75,
      messages = { "could be destroyed from 2026-03-10 11:00 on" } } },

  { name = "the same two instants written in UTC: the same decisions",
    event = event("h-wkd-utc-ok", "2026-03-05T19:00:00Z", "2026-03-10T18:00:00Z"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "destroyed 2026-03-10T17:59:59Z (10:59:59 PDT): critical, as when written in Oregon's offset",
    event = event("h-wkd-utc-early", "2026-03-05T19:00:00Z", "2026-03-10T17:59:59Z"),
    expect = { flag = "red", findings = HOLD, score = 75 } },

  { name = "placed late Thursday PST, written in UTC as Friday: the Oregon day (Thursday 23:30) counts",
    event = event("h-utc-start", "2026-03-06T07:30:00Z", "2026-03-10T23:30:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "placed on a Saturday: the count starts Monday 00:00, destroyed Wednesday 17:00 is early",
    event = event("h-sat-early", "2026-03-07T10:00:00-08:00", "2026-03-11T17:00:00-07:00"),
    expect = { flag = "red", findings = HOLD, score = 75,
      messages = { "could be destroyed from 2026-03-12 (from midnight) on" } } },

  { name = "placed on a Saturday, destroyed Thursday 00:00: holds",
    event = event("h-sat-ok", "2026-03-07T10:00:00-08:00", "2026-03-12T00:00:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "destroyed the day it was placed on hold: 0 business days, critical",
    event = event("h-same-day", "2026-03-02T08:00:00-08:00", "2026-03-02T15:00:00-08:00"),
    expect = { flag = "red", findings = HOLD, score = 75, messages = { "before the first business day of the hold" } } },

  { name = "destroyed before it was even placed on hold: critical",
    event = event("h-before", "2026-03-04T08:00:00-08:00", "2026-03-03T15:00:00-08:00"),
    expect = { flag = "red", findings = HOLD, score = 75 } },

  -- federal holidays
  { name = "Independence Day observed Friday 2026-07-03: placed Wednesday 07-01 09:00, allowed from Tuesday 07-07 09:00; Monday 16:00 is critical",
    event = event("h-july-early", "2026-07-01T09:00:00-07:00", "2026-07-06T16:00:00-07:00"),
    expect = { flag = "red", findings = HOLD, score = 75,
      messages = { "could be destroyed from 2026-07-07 09:00 on", "on business day 2 of 3" } } },

  { name = "Independence Day observed: destroyed Tuesday 07-07 08:59:59: critical",
    event = event("h-july-second", "2026-07-01T09:00:00-07:00", "2026-07-07T08:59:59-07:00"),
    expect = { flag = "red", findings = HOLD, score = 75 } },

  { name = "Independence Day observed: destroyed Tuesday 07-07 09:00: holds",
    event = event("h-july-ok", "2026-07-01T09:00:00-07:00", "2026-07-07T09:00:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "Thanksgiving: placed Tuesday 11-24 10:00 (Wed, Fri, Mon count), destroyed Monday 11-30 09:59:59: critical",
    event = event("h-thanks-early", "2026-11-24T10:00:00-08:00", "2026-11-30T09:59:59-08:00"),
    expect = { flag = "red", findings = HOLD, score = 75,
      messages = { "could be destroyed from 2026-11-30 10:00 on" } } },

  { name = "Thanksgiving: destroyed Monday 11-30 10:00: holds",
    event = event("h-thanks-ok", "2026-11-24T10:00:00-08:00", "2026-11-30T10:00:00-08:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  -- DST change days: the boundary is Oregon's wall clock
  { name = "spring forward: placed Friday 2026-03-06 01:30 PST, destroyed Wednesday 01:29:59 PDT: critical",
    event = event("h-dst-spring-early", "2026-03-06T01:30:00-08:00", "2026-03-11T01:29:59-07:00"),
    expect = { flag = "red", findings = HOLD, score = 75 } },

  { name = "spring forward: destroyed Wednesday 01:30 PDT: holds",
    event = event("h-dst-spring-ok", "2026-03-06T01:30:00-08:00", "2026-03-11T01:30:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "fall back: placed Wednesday 2026-10-28 01:30 PDT, destroyed at 09:29:59Z on 11-02 (01:29:59 PST Monday): critical",
    event = event("h-dst-fall-early", "2026-10-28T01:30:00-07:00", "2026-11-02T09:29:59Z"),
    expect = { flag = "red", findings = HOLD, score = 75, messages = { "destroyed on 2026-11-02 01:29" } } },

  { name = "fall back: destroyed at 09:30Z on 11-02 (01:30 PST Monday): holds",
    event = event("h-dst-fall-ok", "2026-10-28T01:30:00-07:00", "2026-11-02T09:30:00Z"),
    expect = { flag = "green", findings = {}, score = 100 } },

  -- dates without a time
  { name = "held_since as a plain date (Monday): the hour is unknown, allowed from Friday 00:00; Friday 08:00 holds",
    event = event("h-plain-start", "2026-03-02", "2026-03-06T08:00:00-08:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "held_since as a plain date (Monday), destroyed Thursday 15:00: critical",
    event = event("h-plain-start-early", "2026-03-02", "2026-03-05T15:00:00-08:00"),
    expect = { flag = "red", findings = HOLD, score = 75,
      messages = { "placed on hold 2026-03-02, it had", "from 2026-03-06 (from midnight) on" } } },

  { name = "destroyed_at as a plain date on the first allowed day: the hold cannot be faulted; only the missing time is",
    event = event("h-plain-end", "2026-03-03T14:00:00-08:00", "2026-03-06"),
    expect = { flag = "yellow", findings = { "us-or/waste-destruction-time" }, score = 90 } },

  { name = "destroyed_at as a plain date before the first allowed day: critical, and the missing time",
    event = event("h-plain-end-early", "2026-03-03T14:00:00-08:00", "2026-03-05"),
    expect = { flag = "red", findings = { "us-or/waste-hold", "us-or/waste-destruction-time" }, score = 65,
      messages = { "destroyed on 2026-03-05, before its hold ended" } } },

  -- which waste is held: whole plants over 24 in
  { name = "whole plant exactly 24 in: not held, destroyed the same day without camera: holds",
    event = event("h-24", nil, "2026-03-02T15:00:00-08:00", function(d)
      d.waste_type = "plant"; d.whole_plant_height_in = 24; d.camera_covered = nil
    end),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "whole plant 24.1 in: held, destroyed the day it was placed on hold: critical",
    event = event("h-24-1", "2026-03-02T08:00:00-08:00", "2026-03-02T15:00:00-08:00", function(d)
      d.waste_type = "plant"; d.whole_plant_height_in = 24.1
    end),
    expect = { flag = "red", findings = HOLD, score = 75, messages = { "a whole plant 24.1 in tall (over 24 in)" } } },

  { name = "whole plant 23.9 in: not held",
    event = event("h-23-9", nil, "2026-03-02T15:00:00-08:00", function(d)
      d.waste_type = "plant"; d.whole_plant_height_in = 23.9; d.camera_covered = false
    end),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "whole plant of unrecorded height destroyed at once: held as a precaution, critical + minor",
    event = event("h-no-height", "2026-03-02T08:00:00-08:00", "2026-03-02T15:00:00-08:00", function(d)
      d.waste_type = "plant"
    end),
    expect = { flag = "red", findings = { "us-or/waste-hold", "us-or/waste-category" }, score = 70,
      messages = { "whole_plant_height_in is not recorded" } } },

  { name = "whole plant height as text \"30\": unreadable, held as a precaution, lawfully here: minor only",
    event = event("h-height-text", "2026-03-02T08:00:00-08:00", "2026-03-06T15:00:00-08:00", function(d)
      d.waste_type = "plant"; d.whole_plant_height_in = "30"
    end),
    expect = { flag = "yellow", findings = { "us-or/waste-category" }, score = 95 } },

  -- product waste ("once a marijuana item")
  { name = "product waste is held by default: destroyed the next day, critical",
    event = event("h-product", "2026-03-02T08:00:00-08:00", "2026-03-03T15:00:00-08:00", function(d)
      d.waste_type = "product"
    end),
    expect = { flag = "red", findings = HOLD, score = 75,
      messages = { "waste that was once a marijuana item" } } },

  -- not yet destroyed: the hold obligation
  { name = "not yet destroyed (placed Friday 16:00 PST): obligation due Wednesday 16:00 PDT",
    event = event("h-pending", "2026-03-06T16:00:00-08:00", nil),
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2033-03-02",
      obligations = { { action = "hold_waste_under_camera", due = "2026-03-11T16:00:00-07:00" } } } },

  { name = "held Tuesday 2026-11-24 10:00: Wednesday, Friday (Thanksgiving skipped), Monday: obligation due Monday 10:00",
    event = event("h-pending-thanks", "2026-11-24T10:00:00-08:00", nil),
    expect = { flag = "green", findings = {},
      obligations = { { action = "hold_waste_under_camera", due = "2026-11-30T10:00:00-08:00" } } } },

  { name = "not yet destroyed and no hold start: major (hold start not recorded), no obligation",
    event = event("h-no-start", nil, nil),
    expect = { flag = "yellow", findings = HOLD, score = 90, obligations = {},
      messages = { "the hold start is not recorded" } } },

  { name = "destroyed and no hold start: major, the hold cannot be checked",
    event = event("h-no-start-destroyed", nil, "2026-03-06T08:00:00-08:00"),
    expect = { flag = "yellow", findings = HOLD, score = 90 } },

  { name = "held_since as a number: unreadable, major, no rule error",
    event = event("h-start-num", 20260302, nil),
    expect = { flag = "yellow", findings = HOLD, score = 90 } },

  -- camera coverage
  { name = "held waste not under camera: critical",
    event = event("h-no-camera", "2026-03-02T08:00:00-08:00", "2026-03-06T15:00:00-08:00", function(d)
      d.camera_covered = false
    end),
    expect = { flag = "red", findings = { "us-or/waste-camera" }, score = 75,
      messages = { "is recorded as not under camera coverage" } } },

  { name = "camera coverage not recorded on held waste, not yet destroyed: critical, obligation stands",
    event = event("h-camera-missing", "2026-03-02T08:00:00-08:00", nil, function(d)
      d.camera_covered = nil
    end),
    expect = { flag = "red", findings = { "us-or/waste-camera" }, score = 75,
      obligations = { { action = "hold_waste_under_camera", due = "2026-03-05T08:00:00-08:00" } } } },

  { name = "camera_covered \"yes\" is not true: critical",
    event = event("h-camera-text", "2026-03-02T08:00:00-08:00", "2026-03-06T15:00:00-08:00", function(d)
      d.camera_covered = "yes"
    end),
    expect = { flag = "red", findings = { "us-or/waste-camera" }, score = 75 } },

  { name = "destroyed early and off camera: two criticals",
    event = event("h-early-uncovered", "2026-03-02T08:00:00-08:00", "2026-03-04T15:00:00-08:00", function(d)
      d.camera_covered = false
    end),
    expect = { flag = "red", findings = { "us-or/waste-hold", "us-or/waste-camera" }, score = 50 } },
}
