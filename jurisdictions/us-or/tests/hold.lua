-- jurisdictions/us-or/tests/hold.lua — fixtures for the OAR 845-025-7750
-- camera hold: the day on hold never counts, the hold ends at the close of
-- the 3rd business day after it, destruction is allowed from the next
-- calendar day on (Oregon's local calendar). Edges: a weekend, Thanksgiving
-- (2026-11-26), Independence Day observed on Friday 2026-07-03, both 2026
-- DST changes, a start written in UTC that is still the day before in
-- Oregon, 24 in vs 24.1 and 23.9, a missing height, the camera, product
-- waste and records not yet destroyed (hold obligation).
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
  -- the weekend
  { name = "held Friday: Saturday and Sunday do not count, destroyed Wednesday (hold's last day) is premature",
    event = event("h-wkd-early", "2026-03-06T16:00:00-08:00", "2026-03-11T17:00:00-07:00"),
    expect = { flag = "red", findings = HOLD, score = 75,
      messages = { "destroyed on 2026-03-11, before its hold ended", "through 2026-03-11",
        "destroyed on business day 3 of 3" } } },

  { name = "held Friday, destroyed Thursday (first day after the hold): holds",
    event = event("h-wkd-ok", "2026-03-06T16:00:00-08:00", "2026-03-12T08:00:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2033-03-12" } },

  { name = "placed on hold late Thursday PST, written in UTC as Friday: the Oregon day (Thursday) is day 0",
    event = event("h-utc-start", "2026-03-06T07:30:00Z", "2026-03-11T09:00:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "destroyed the day it was placed on hold: 0 business days, critical",
    event = event("h-same-day", "2026-03-02T08:00:00-08:00", "2026-03-02T15:00:00-08:00"),
    expect = { flag = "red", findings = HOLD, score = 75, messages = { "before the first business day of the hold" } } },

  { name = "destroyed before it was even placed on hold: critical",
    event = event("h-before", "2026-03-04T08:00:00-08:00", "2026-03-03T15:00:00-08:00"),
    expect = { flag = "red", findings = HOLD, score = 75 } },

  -- federal holidays
  { name = "Thanksgiving: held Monday 2026-11-23, hold ends Friday 11-27, destroyed that Friday: critical",
    event = event("h-thanks-early", "2026-11-23T09:00:00-08:00", "2026-11-27T16:00:00-08:00"),
    expect = { flag = "red", findings = HOLD, score = 75, messages = { "through 2026-11-27" } } },

  { name = "Thanksgiving: destroyed Saturday 2026-11-28: holds",
    event = event("h-thanks-ok", "2026-11-23T09:00:00-08:00", "2026-11-28T09:00:00-08:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "Independence Day observed Friday 2026-07-03: held Tuesday 06-30, Monday 07-06 is the last day: critical",
    event = event("h-july-early", "2026-06-30T09:00:00-07:00", "2026-07-06T10:00:00-07:00"),
    expect = { flag = "red", findings = HOLD, score = 75, messages = { "through 2026-07-06" } } },

  { name = "Independence Day observed: destroyed Tuesday 2026-07-07: holds",
    event = event("h-july-ok", "2026-06-30T09:00:00-07:00", "2026-07-07T08:00:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  -- DST change days
  { name = "spring forward: held Sunday 2026-03-08 01:30 PST, destroyed Wednesday 23:30 PDT: critical",
    event = event("h-dst-spring-early", "2026-03-08T01:30:00-08:00", "2026-03-11T23:30:00-07:00"),
    expect = { flag = "red", findings = HOLD, score = 75 } },

  { name = "spring forward: destroyed Thursday 2026-03-12 00:30 PDT: holds",
    event = event("h-dst-spring-ok", "2026-03-08T01:30:00-08:00", "2026-03-12T00:30:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "fall back: held 2026-11-01 01:30 PDT, destroyed at 07:30Z on 11-05 (still Wednesday 11-04 in Oregon): critical",
    event = event("h-dst-fall-early", "2026-11-01T01:30:00-07:00", "2026-11-05T07:30:00Z"),
    expect = { flag = "red", findings = HOLD, score = 75, messages = { "destroyed on 2026-11-04" } } },

  { name = "fall back: destroyed at 08:30Z on 11-05 (00:30 PST Thursday): holds",
    event = event("h-dst-fall-ok", "2026-11-01T01:30:00-07:00", "2026-11-05T08:30:00Z"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "held_since as a plain date: that day is day 0",
    event = event("h-plain-start", "2026-03-02", "2026-03-06T08:00:00-08:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

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
  { name = "not yet destroyed: no finding, obligation to hold through the 3rd business day",
    event = event("h-pending", "2026-03-06T16:00:00-08:00", nil),
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2033-03-02",
      obligations = { { action = "hold_waste_under_camera", due = "2026-03-11" } } } },

  { name = "held Tuesday 2026-11-24: Wednesday, Friday (Thanksgiving skipped), Monday: hold through 2026-11-30",
    event = event("h-pending-thanks", "2026-11-24T10:00:00-08:00", nil),
    expect = { flag = "green", findings = {},
      obligations = { { action = "hold_waste_under_camera", due = "2026-11-30" } } } },

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
      obligations = { { action = "hold_waste_under_camera", due = "2026-03-05" } } } },

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
