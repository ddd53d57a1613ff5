-- jurisdictions/us-ca/tests/waste.lua — fixtures for destruction records
-- (waste.recorded) under 4 CCR §15049(b): the 24 h Metrc window at its
-- edges (23 h 59 min, 24 h 0 s, 24 h + 1 s, 24 h + 1 min), across both 2026
-- DST changes in Los Angeles, in different offsets, not yet recorded
-- (obligation vs overdue), unreadable report times, the destruction notes
-- (employee, reason), missing optional fields and the pack's effective date.
--
-- Unless a fixture says otherwise: waste W-CA-1001 destroyed at
-- 2026-06-10T10:00:00-07:00 with complete notes, recorded in Metrc at the
-- time the fixture gives; retention 7 years from the date in California.

local NONE = {} -- marks a field to leave out

-- A waste.recorded event; `over` replaces fields of the complete record.
local function waste(id, occurred_at, over, as_of)
  local data = {
    waste_id = "W-CA-1001", weight_g = 850, waste_type = "plant",
    method = "ground and mixed with soil", reason = "male plants culled",
    recorded_by = { name = "Maria Lopez", employee_id = "E-204" },
    witness = { name = "Sam Ortiz", employee_id = "E-311" },
  }
  for k, v in pairs(over or {}) do
    if v == NONE then data[k] = nil else data[k] = v end
  end
  return {
    type = "waste.recorded", tenant = "greenleaf", id = id,
    occurred_at = occurred_at, as_of = as_of, data = data,
  }
end

local T0 = "2026-06-10T10:00:00-07:00"
local KEEP = "2033-06-10"
local LATE = { "us-ca/waste-metrc-24h" }

return {
  -- the 24 h window -------------------------------------------------------
  { name = "complete record, in Metrc 3 h later: holds, kept 7 years",
    event = waste("ca-w-ok", T0, { metrc_reported_at = "2026-06-10T13:00:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {},
               retention_until = KEEP } },

  { name = "recorded 23 h 59 min after: on time",
    event = waste("ca-w-2359", T0, { metrc_reported_at = "2026-06-11T09:59:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {}, retention_until = KEEP } },

  { name = "recorded exactly 24 h 0 min 0 s after: on time",
    event = waste("ca-w-24h", T0, { metrc_reported_at = "2026-06-11T10:00:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {}, retention_until = KEEP } },

  { name = "recorded 24 h + 1 s after: late, major",
    event = waste("ca-w-24h1s", T0, { metrc_reported_at = "2026-06-11T10:00:01-07:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {}, retention_until = KEEP,
               messages = { "destruction of waste W-CA-1001", "24 h 00 min 01 s after",
                            "deadline 2026-06-11T10:00:00-07:00" } } },

  { name = "recorded 24 h + 1 min after: late, major",
    event = waste("ca-w-24h1m", T0, { metrc_reported_at = "2026-06-11T10:01:00-07:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "24 h 01 min after", "1 min late" } } },

  { name = "recorded 3 days later: late, major",
    event = waste("ca-w-3d", T0, { metrc_reported_at = "2026-06-13T16:30:00-07:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {}, messages = { "78 h 30 min after" } } },

  -- DST: 24 h of real time, not the same wall-clock hour ---------------------
  -- Spring forward 2026-03-08 02:00 PST -> 03:00 PDT: the day has 23 h, so
  -- 2026-03-07T10:00-08:00 (18:00Z) + 24 h = 2026-03-08T18:00Z = 11:00 PDT.
  { name = "DST spring: recorded 10:59 PDT next day is 23 h 59 min of real time: on time",
    event = waste("ca-w-dst-s-2359", "2026-03-07T10:00:00-08:00",
      { metrc_reported_at = "2026-03-08T10:59:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {}, retention_until = "2033-03-07" } },

  { name = "DST spring: recorded 11:00 PDT next day is exactly 24 h: on time",
    event = waste("ca-w-dst-s-24h", "2026-03-07T10:00:00-08:00",
      { metrc_reported_at = "2026-03-08T11:00:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "DST spring: recorded 11:01 PDT next day is 24 h 1 min: late",
    event = waste("ca-w-dst-s-late", "2026-03-07T10:00:00-08:00",
      { metrc_reported_at = "2026-03-08T11:01:00-07:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "deadline 2026-03-08T11:00:00-07:00" } } },

  -- Fall back 2026-11-01 02:00 PDT -> 01:00 PST: the day has 25 h, so
  -- 2026-10-31T10:00-07:00 (17:00Z) + 24 h = 2026-11-01T17:00Z = 09:00 PST.
  { name = "DST fall: recorded 09:30 PST next day looks 23 h 30 min on the wall clock but is 24 h 30 min: late",
    event = waste("ca-w-dst-f-late", "2026-10-31T10:00:00-07:00",
      { metrc_reported_at = "2026-11-01T09:30:00-08:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "24 h 30 min after", "deadline 2026-11-01T09:00:00-08:00" } } },

  { name = "DST fall: recorded 09:00 PST next day is exactly 24 h: on time",
    event = waste("ca-w-dst-f-24h", "2026-10-31T10:00:00-07:00",
      { metrc_reported_at = "2026-11-01T09:00:00-08:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  -- offsets ------------------------------------------------------------------
  { name = "occurred_at in Z, report at -07:00 exactly 24 h later: on time",
    event = waste("ca-w-z-24h", "2026-06-10T17:00:00Z",
      { metrc_reported_at = "2026-06-11T10:00:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {}, retention_until = KEEP } },

  { name = "occurred_at in Z, report at -07:00 24 h 1 min later: late",
    event = waste("ca-w-z-late", "2026-06-10T17:00:00Z",
      { metrc_reported_at = "2026-06-11T10:01:00-07:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {} } },

  { name = "occurred late evening at -08:00 (next day in UTC): retention from the date written",
    event = waste("ca-w-evening", "2026-12-31T22:00:00-08:00",
      { metrc_reported_at = "2027-01-01T06:00:00Z" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {}, retention_until = "2033-12-31" } },

  -- not yet recorded -------------------------------------------------------
  { name = "not yet recorded, as_of = occurred_at: obligation due occurred_at + 24 h",
    event = waste("ca-w-pending", T0, { metrc_reported_at = NONE }),
    expect = { flag = "green", findings = {}, score = 100, retention_until = KEEP,
               obligations = { { action = "record_in_metrc", due = "2026-06-11T10:00:00-07:00" } } } },

  { name = "not yet recorded, as_of exactly at the deadline: still an obligation",
    event = waste("ca-w-pending-edge", T0, { metrc_reported_at = NONE }, "2026-06-11T10:00:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100,
               obligations = { { action = "record_in_metrc", due = "2026-06-11T10:00:00-07:00" } } } },

  { name = "not yet recorded, as_of 1 s past the deadline: overdue, major, no obligation",
    event = waste("ca-w-overdue", T0, { metrc_reported_at = NONE }, "2026-06-11T10:00:01-07:00"),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "not recorded in Metrc", "1 s past due" } } },

  { name = "not yet recorded over the spring DST change: due 11:00 PDT (24 h real time)",
    event = waste("ca-w-pending-dst", "2026-03-07T10:00:00-08:00", { metrc_reported_at = NONE },
      "2026-03-08T10:30:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100,
               obligations = { { action = "record_in_metrc", due = "2026-03-08T11:00:00-07:00" } } } },

  { name = "not yet recorded, occurred_at in Z: the due time is written on the Los Angeles clock",
    event = waste("ca-w-pending-z", "2026-06-10T17:00:00Z", { metrc_reported_at = NONE }),
    expect = { score = 100, flag = "green", findings = {},
               obligations = { { action = "record_in_metrc", due = "2026-06-11T10:00:00-07:00" } } } },

  { name = "metrc_reported_at empty text counts as not recorded: obligation",
    event = waste("ca-w-empty", T0, { metrc_reported_at = "" }),
    expect = { score = 100, flag = "green", findings = {},
               obligations = { { action = "record_in_metrc", due = "2026-06-11T10:00:00-07:00" } } } },

  -- unreadable report times ----------------------------------------------------
  { name = "metrc_reported_at as a number: cannot be checked, major",
    event = waste("ca-w-number", T0, { metrc_reported_at = 1781200800 }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "1781200800 (a number), not a timestamp" } } },

  { name = "metrc_reported_at as a bare date on the next day: the hour decides, cannot be checked, major",
    event = waste("ca-w-date", T0, { metrc_reported_at = "2026-06-11" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {}, messages = { "not a timestamp" } } },

  -- issue 16: the 24 hours run from the destruction, read as operators write it
  { name = "metrc_reported_at as a bare date on the day of the destruction: within 24 h whatever the hour",
    event = waste("ca-w-date-same", T0, { metrc_reported_at = "2026-06-10" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "metrc_reported_at as a bare date two days later: late, major",
    event = waste("ca-w-date-late", T0, { metrc_reported_at = "2026-06-12" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "recorded in Metrc on 2026-06-12 (a date without a time), after the 24 h" } } },

  { name = "destroyed 2026-06-09 07:00, written up at 10:00 the next day, in Metrc 27 h after the destruction: late (from destroyed_at)",
    event = waste("ca-w-destroyed", T0, { destroyed_at = "2026-06-09T07:00:00-07:00",
      metrc_reported_at = "2026-06-10T10:00:00-07:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "27 h 00 min after it occurred at 2026-06-09T07:00:00-07:00" } } },

  { name = "destroyed_at written in UTC: the same instant, the same decision",
    event = waste("ca-w-destroyed-utc", T0, { destroyed_at = "2026-06-09T14:00:00Z",
      metrc_reported_at = "2026-06-10T10:00:00-07:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {} } },

  { name = "destroyed 23 h before the entry: on time, even though the record was written later",
    event = waste("ca-w-destroyed-ok", "2026-06-11T09:00:00-07:00", { destroyed_at = "2026-06-09T11:00:00-07:00",
      metrc_reported_at = "2026-06-10T10:00:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "destroyed_at as a date only: the window runs from occurred_at",
    event = waste("ca-w-destroyed-date", T0, { destroyed_at = "2026-06-09",
      metrc_reported_at = "2026-06-10T13:00:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  -- destruction notes: employee and reason --------------------------------
  { name = "no recorded_by: notes do not name the employee, major",
    event = waste("ca-w-no-emp", T0, { recorded_by = NONE, metrc_reported_at = "2026-06-10T12:00:00-07:00" }),
    expect = { flag = "yellow", findings = { "us-ca/waste-notes-employee" }, score = 90, obligations = {},
               messages = { "waste W-CA-1001 do not name the employee" } } },

  { name = "a witness does not stand in for the employee who destroyed it",
    event = waste("ca-w-witness-only", T0, { recorded_by = NONE,
      witness = { name = "Sam Ortiz" }, metrc_reported_at = "2026-06-10T12:00:00-07:00" }),
    expect = { flag = "yellow", findings = { "us-ca/waste-notes-employee" }, score = 90, obligations = {} } },

  { name = "recorded_by as a plain name: holds",
    event = waste("ca-w-emp-text", T0, { recorded_by = "Maria Lopez",
      metrc_reported_at = "2026-06-10T12:00:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "recorded_by with only an employee_id: holds",
    event = waste("ca-w-emp-id", T0, { recorded_by = { employee_id = "E-204" },
      metrc_reported_at = "2026-06-10T12:00:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "recorded_by an empty object: names no one, major",
    event = waste("ca-w-emp-empty", T0, { recorded_by = { name = "  " },
      metrc_reported_at = "2026-06-10T12:00:00-07:00" }),
    expect = { flag = "yellow", findings = { "us-ca/waste-notes-employee" }, score = 90, obligations = {},
               messages = { "names no one" } } },

  { name = "recorded_by a number: not a name, major",
    event = waste("ca-w-emp-number", T0, { recorded_by = 204,
      metrc_reported_at = "2026-06-10T12:00:00-07:00" }),
    expect = { flag = "yellow", findings = { "us-ca/waste-notes-employee" }, score = 90, obligations = {},
               messages = { "204 (a number)" } } },

  { name = "no reason: notes do not give the reason, major",
    event = waste("ca-w-no-reason", T0, { reason = NONE, metrc_reported_at = "2026-06-10T12:00:00-07:00" }),
    expect = { flag = "yellow", findings = { "us-ca/waste-notes-reason" }, score = 90, obligations = {},
               messages = { "do not give the reason" } } },

  { name = "reason only blanks: no reason, major",
    event = waste("ca-w-blank-reason", T0, { reason = "   ", metrc_reported_at = "2026-06-10T12:00:00-07:00" }),
    expect = { flag = "yellow", findings = { "us-ca/waste-notes-reason" }, score = 90, obligations = {} } },

  { name = "late, no employee, no reason: three majors, score 70",
    event = waste("ca-w-three", T0, { recorded_by = NONE, reason = NONE,
      metrc_reported_at = "2026-06-12T08:00:00-07:00" }),
    expect = { flag = "yellow", score = 70, obligations = {}, findings = {
      "us-ca/waste-metrc-24h", "us-ca/waste-notes-employee", "us-ca/waste-notes-reason" } } },

  -- missing optional fields and effective date -------------------------------
  { name = "bare record (no waste_id, no notes, no Metrc time): findings and obligation, no Lua error",
    event = { type = "waste.recorded", tenant = "greenleaf", id = "ca-w-bare",
              occurred_at = T0, data = {} },
    expect = { flag = "yellow", score = 80, retention_until = KEEP,
               findings = { "us-ca/waste-notes-employee", "us-ca/waste-notes-reason" },
               obligations = { { action = "record_in_metrc", due = "2026-06-11T10:00:00-07:00" } },
               messages = { "(no waste_id, event ca-w-bare)" } } },

  { name = "leap day 2028-02-29: kept until 2035-02-28",
    event = waste("ca-w-leap", "2028-02-29T09:00:00-08:00",
      { metrc_reported_at = "2028-02-29T15:00:00-08:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {}, retention_until = "2035-02-28" } },

  { name = "first day §15049(b) is in force (2022-11-07): decided by this version",
    event = waste("ca-w-first-day", "2022-11-07T00:00:00-08:00",
      { metrc_reported_at = "2022-11-07T20:00:00-08:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {}, retention_until = "2029-11-07" } },

  { name = "the day before (2022-11-06): no version of us-ca is in force, an error, not a pass",
    event = waste("ca-w-before", "2022-11-06T23:00:00-08:00",
      { metrc_reported_at = "2022-11-07T08:00:00-08:00" }),
    expect = { flag = "yellow", findings = {}, score = 100, obligations = {}, retention_until = false,
               errors = { "no version of pack us-ca is in force" } } },
}
