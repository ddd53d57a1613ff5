-- jurisdictions/us-dot/tests/violations.lua — fixtures for reporting
-- violations to the Clearinghouse by the close of the 3rd business day
-- (382.705): across a weekend, Thanksgiving 2026, Christmas and New Year,
-- a Saturday determination, 23:59 on the due day vs 00:00 the next, the
-- employer's clock (the pack's zone, America/Chicago, whatever offset the
-- timestamps are written in; across the 2026-03-08 DST change), not yet
-- reported before and after the deadline, several violations, and wrong
-- types.
--
-- Unless a fixture says otherwise: as_of is Tuesday 2026-03-10 09:00 -05:00
-- and driver D-200 is otherwise clean (queries current, medical certificate
-- good past every as_of used here). 2026-03-06 is a Friday.

local AS_OF = "2026-03-10T09:00:00-05:00"

local BASE = {
  driver_id = "D-200",
  hired_at = "2025-04-20",
  first_safety_sensitive_at = "2025-05-01T08:00:00-05:00",
  pre_employment_full_query_at = "2025-04-28T10:00:00-05:00",
  last_limited_query_at = "2026-01-15T10:00:00-05:00",
  limited_query_result = "no_info",
  medical_cert_expires = "2027-06-30",
}

-- A driver.status event for D-200 with these violations, decided at as_of.
local function driver(violations, as_of)
  local data = {}
  for k, v in pairs(BASE) do data[k] = v end
  data.violations = violations
  return { type = "driver.status", occurred_at = as_of or AS_OF, data = data }
end

local function v(determined_at, reported_at, id)
  return { determined_at = determined_at, reported_at = reported_at, id = id }
end

local REPORT = "us-dot/violation-report"
local ANNUAL_OK = { action = "run_annual_clearinghouse_query", due = "2027-01-15" }
local function report_due(date) return { action = "report_violation_to_clearinghouse", due = date } end

return {
  { name = "determined Friday 2026-03-06, not yet reported on Tuesday: obligation due Wednesday 2026-03-11",
    event = driver { v("2026-03-06T15:00:00-05:00", nil, "V-1") },
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2031-03-06",
      obligations = { ANNUAL_OK, report_due("2026-03-11") } } },

  { name = "determined Friday, reported Wednesday 23:59: on time",
    event = driver { v("2026-03-06T15:00:00-05:00", "2026-03-11T23:59:00-05:00") },
    expect = { flag = "green", findings = {}, score = 100, obligations = { ANNUAL_OK } } },

  { name = "determined Friday, reported Thursday 00:00: late, major",
    event = driver { v("2026-03-06T15:00:00-05:00", "2026-03-12T00:00:00-05:00", "V-7") },
    expect = { flag = "yellow", findings = { REPORT }, score = 90,
      messages = { "driver D-200", "violation V-7 (#1)", "after the close of 2026-03-11" } } },

  { name = "determined Saturday 2026-03-07: the weekend does not count, due Wednesday 2026-03-11",
    event = driver { v("2026-03-07T11:00:00-05:00") },
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { ANNUAL_OK, report_due("2026-03-11") } } },

  { name = "determined Wednesday before Thanksgiving 2026-11-25: due Tuesday 2026-12-01",
    event = driver({ v("2026-11-25T10:00:00-05:00") }, "2026-11-30T09:00:00-05:00"),
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { ANNUAL_OK, report_due("2026-12-01") } } },

  { name = "Thanksgiving: reported Tuesday 2026-12-01 16:00: on time",
    event = driver({ v("2026-11-25T10:00:00-05:00", "2026-12-01T16:00:00-05:00") },
      "2026-12-02T09:00:00-05:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "Thanksgiving: reported Wednesday 2026-12-02 09:00: late",
    event = driver({ v("2026-11-25T10:00:00-05:00", "2026-12-02T09:00:00-05:00") },
      "2026-12-02T09:00:00-05:00"),
    expect = { flag = "yellow", findings = { REPORT }, score = 90,
      messages = { "after the close of 2026-12-01" } } },

  { name = "Christmas: determined Thursday 2026-12-24, Friday 25 a holiday: due Wednesday 2026-12-30",
    event = driver({ v("2026-12-24T09:00:00-05:00") }, "2026-12-28T09:00:00-05:00"),
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { ANNUAL_OK, report_due("2026-12-30") } } },

  { name = "New Year: determined Tuesday 2026-12-29, Friday 2027-01-01 a holiday: due Monday 2027-01-04",
    event = driver({ v("2026-12-29T09:00:00-05:00") }, "2026-12-31T09:00:00-05:00"),
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { ANNUAL_OK, report_due("2027-01-04") } } },

  { name = "New Year: not reported by the close of 2027-01-04: major on the 5th",
    event = driver({ v("2026-12-29T09:00:00-06:00") }, "2027-01-05T00:00:00-06:00"),
    expect = { flag = "yellow", findings = { REPORT }, score = 90, obligations = { ANNUAL_OK },
      messages = { "has not been reported", "by the close of 2027-01-04" } } },

  { name = "not reported, as_of 23:00 on the due day: still an obligation",
    event = driver({ v("2026-03-06T15:00:00-05:00") }, "2026-03-11T23:00:00-05:00"),
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { ANNUAL_OK, report_due("2026-03-11") } } },

  -- the employer's clock (params.zone; by default the pack's, America/Chicago)
  { name = "employer's clock: determined Thursday 20:00 CST written in Z (Friday 02:00Z) counts from Thursday: due Tuesday, a Wednesday report is late",
    event = driver({ v("2026-03-06T02:00:00Z", "2026-03-11T10:00:00-05:00") }, "2026-03-12T09:00:00-05:00"),
    expect = { flag = "yellow", findings = { REPORT }, score = 90,
      messages = { "after the close of 2026-03-10 (America/Chicago)" } } },

  { name = "the same instants written in Chicago's offsets: the same decision",
    event = driver({ v("2026-03-05T20:00:00-06:00", "2026-03-11T09:00:00-05:00") }, "2026-03-12T09:00:00-05:00"),
    expect = { flag = "yellow", findings = { REPORT }, score = 90 } },

  { name = "employer's clock: determined Friday 23:30 CST written in Z (Saturday 05:30Z), reported Wednesday 23:30 CDT written in Z: on time",
    event = driver { v("2026-03-07T05:30:00Z", "2026-03-12T04:30:00Z") },
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "employer's clock: reported 2026-03-12T05:00Z, Chicago's midnight: late",
    event = driver { v("2026-03-07T05:30:00Z", "2026-03-12T05:00:00Z") },
    expect = { flag = "yellow", findings = { REPORT }, score = 90 } },

  { name = "Chicago's clock across DST: 00:30 EDT on the 12th is 23:30 CDT on the 11th: on time",
    event = driver { v("2026-03-06T10:00:00-05:00", "2026-03-12T00:30:00-04:00") },
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "plain dates: determined 2026-03-06, reported 2026-03-11: on time",
    event = driver { v("2026-03-06", "2026-03-11") },
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "two violations: one reported late, one still in time: one major, one obligation",
    event = driver { v("2026-02-02T09:00:00-05:00", "2026-02-06T09:00:00-05:00", "V-1"),
      v("2026-03-09T14:00:00-05:00", nil, "V-2") },
    expect = { flag = "yellow", findings = { REPORT }, score = 90, retention_until = "2031-03-09",
      messages = { "violation V-1 (#1)" },
      obligations = { ANNUAL_OK, report_due("2026-03-12") } } },

  { name = "empty violations list: nothing to report",
    event = driver {},
    expect = { flag = "green", findings = {}, score = 100, obligations = { ANNUAL_OK } } },

  { name = "violations as a string: refused by the catalogue, naming the field",
    event = driver "positive 2026-03-06",
    expect = { refused = "/data/violations: expected a list, not text" } },

  { name = "violations as an object instead of a list: major",
    event = driver { determined_at = "2026-03-06T15:00:00-05:00" },
    expect = { flag = "yellow", findings = { REPORT }, score = 90,
      messages = { "violations is an object" } } },

  { name = "a violation entry that is a number: refused, naming /data/violations/0",
    event = driver { 42 },
    expect = { refused = "/data/violations/0: expected an object, not a number" } },

  { name = "violation without determined_at: major, deadline cannot be computed",
    event = driver { { reported_at = "2026-03-09T10:00:00-05:00" } },
    expect = { flag = "yellow", findings = { REPORT }, score = 90,
      messages = { "has no determined_at" } } },

  { name = "determined_at 2026-02-30: major naming violations[1].determined_at",
    event = driver { v("2026-02-30T10:00:00-05:00") },
    expect = { flag = "yellow", findings = { REPORT }, score = 90,
      messages = { "violations[1].determined_at", "not a valid RFC 3339 timestamp" } } },

  { name = "reported_at as a number: major naming violations[1].reported_at, lateness not guessed",
    event = driver { v("2026-03-06T15:00:00-05:00", 20260311) },
    expect = { flag = "yellow", findings = { REPORT }, score = 90,
      messages = { "violations[1].reported_at is a number" } } },
}
