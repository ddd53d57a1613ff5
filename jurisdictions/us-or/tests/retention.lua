-- jurisdictions/us-or/tests/retention.lua — fixtures for retention: every
-- event type the pack serves gets a date (7 years, seed 000; the statute's
-- 3 years is earlier, so 7 wins), counted on occurred_at's date on
-- Oregon's clock whatever offset it is written in; a leap day; the plant events, whose tagging rules live in
-- us-or-tagging, are decided here (green, retention only); and an event
-- before the pack's window is an error, not a silent pass.

return {
  { name = "plant.measured: retention only, 7 years",
    event = { type = "plant.measured", id = "r-measured", occurred_at = "2026-05-14T11:00:00-07:00",
      data = { plant_id = "PL-77", batch_id = "B-9", height_in = 40, flowering = false } },
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2033-05-14" } },

  { name = "plant.phase_changed: retention only, 7 years",
    event = { type = "plant.phase_changed", id = "r-phase", occurred_at = "2026-05-14T11:00:00-07:00",
      data = { plant_id = "PL-77", phase = "flowering" } },
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2033-05-14" } },

  { name = "leap day 2024-02-29 + 7 years clamps to 2031-02-28",
    event = { type = "plant.measured", id = "r-leap", occurred_at = "2024-02-29T10:00:00-08:00",
      data = { plant_id = "PL-1", height_in = 12 } },
    expect = { flag = "green", findings = {}, retention_until = "2031-02-28" } },

  { name = "Oregon's date: 2026-12-31 23:30 PST is kept to 2033-12-31, not 2034",
    event = { type = "plant.measured", id = "r-nye", occurred_at = "2026-12-31T23:30:00-08:00",
      data = { plant_id = "PL-1", height_in = 12 } },
    expect = { flag = "green", findings = {}, retention_until = "2033-12-31" } },

  { name = "the same instant written in UTC (2027-01-01T07:30Z): the same date, 2033-12-31",
    event = { type = "plant.measured", id = "r-nye-utc", occurred_at = "2027-01-01T07:30:00Z",
      data = { plant_id = "PL-1", height_in = 12 } },
    expect = { flag = "green", findings = {}, retention_until = "2033-12-31" } },

  { name = "an event from 2015, before OAR 845-025's program: not in force, reported as an error",
    event = { type = "plant.measured", id = "r-2015", occurred_at = "2015-06-01T10:00:00-07:00",
      data = { plant_id = "PL-1", height_in = 12 } },
    expect = { errors = { "no version of pack us-or is in force" } } },
}
