-- jurisdictions/us-or/tests/reports.lua — fixtures for the monthly report
-- (period.closed: due 15 days after the month's end on Oregon's calendar;
-- leap February, December into January, malformed periods, due day vs the
-- day after, a late submission) and the CTS entry of inventory.moved (24 h
-- instant window: exactly 24 h on time, 24 h + 1 s late, windows across
-- both 2026 DST changes, a late entry, an unreadable entry time).

local function closed(id, period, occurred_at, as_of, submitted)
  return { type = "period.closed", id = id, occurred_at = occurred_at, as_of = as_of,
    data = { period = period, report_submitted_at = submitted } }
end

local function moved(id, occurred_at, as_of, reported)
  return { type = "inventory.moved", id = id, occurred_at = occurred_at, as_of = as_of,
    data = { package_id = "1A4FF0300000029000012345", quantity = 24, from = "050-1001234ABC",
      to = "060-1005678DEF", metrc_reported_at = reported } }
end

local MONTHLY = "submit_monthly_report"
local CTS = "report_to_cts"

return {
  -- monthly report
  { name = "March 2026 closed: report due 2026-04-15, obligation only",
    event = closed("p-mar", "2026-03", "2026-04-01T00:05:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2033-04-01",
      obligations = { { action = MONTHLY, due = "2026-04-15" } } } },

  { name = "leap February 2028 (29 days): due 2028-03-15",
    event = closed("p-feb-leap", "2028-02", "2028-03-01T08:00:00-08:00"),
    expect = { flag = "green", findings = {}, obligations = { { action = MONTHLY, due = "2028-03-15" } } } },

  { name = "February 2027 (28 days): due 2027-03-15",
    event = closed("p-feb", "2027-02", "2027-03-01T08:00:00-08:00"),
    expect = { flag = "green", findings = {}, obligations = { { action = MONTHLY, due = "2027-03-15" } } } },

  { name = "December 2026: due 2027-01-15, next year",
    event = closed("p-dec", "2026-12", "2027-01-02T09:00:00-08:00"),
    expect = { flag = "green", findings = {}, retention_until = "2034-01-02",
      obligations = { { action = MONTHLY, due = "2027-01-15" } } } },

  { name = "as_of late on the due day (23:59 PDT): not yet overdue",
    event = closed("p-due-day", "2026-03", "2026-04-01T00:05:00-07:00", "2026-04-15T23:59:00-07:00"),
    expect = { flag = "green", findings = {}, obligations = { { action = MONTHLY, due = "2026-04-15" } } } },

  { name = "as_of written in UTC on the 16th but still the 15th in Oregon: not overdue",
    event = closed("p-due-utc", "2026-03", "2026-04-01T00:05:00-07:00", "2026-04-16T06:30:00Z"),
    expect = { flag = "green", findings = {}, obligations = { { action = MONTHLY, due = "2026-04-15" } } } },

  { name = "as_of the day after the due date, not submitted: minor, obligation stays",
    event = closed("p-overdue", "2026-03", "2026-04-01T00:05:00-07:00", "2026-04-16T00:01:00-07:00"),
    expect = { flag = "yellow", findings = { "us-or/monthly-report" }, score = 95,
      obligations = { { action = MONTHLY, due = "2026-04-15" } },
      messages = { "monthly report for 2026-03 is overdue: due 2026-04-15, not submitted as of 2026-04-16 (1 day late)" } } },

  { name = "submitted on the due date: holds, no obligation",
    event = closed("p-on-time", "2026-03", "2026-04-01T00:05:00-07:00", "2026-04-20T09:00:00-07:00",
      "2026-04-15T16:45:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "submitted two days late: minor",
    event = closed("p-late", "2026-03", "2026-04-01T00:05:00-07:00", nil, "2026-04-17T10:00:00-07:00"),
    expect = { flag = "yellow", findings = { "us-or/monthly-report" }, score = 95, obligations = {},
      messages = { "submitted 2026-04-17, 2 days after it was due (2026-04-15)" } } },

  { name = "report_submitted_at unreadable: minor, no rule error",
    event = closed("p-sub-bad", "2026-03", "2026-04-01T00:05:00-07:00", nil, true),
    expect = { flag = "yellow", findings = { "us-or/monthly-report" }, score = 95 } },

  { name = "period 2026-13: malformed, major, no obligation",
    event = closed("p-13", "2026-13", "2026-04-01T00:05:00-07:00"),
    expect = { flag = "yellow", findings = { "us-or/monthly-report-period" }, score = 90, obligations = {},
      retention_until = "2033-04-01", messages = { "period \"2026-13\" is not a month written YYYY-MM" } } },

  { name = "period 2026-3 (one-digit month): malformed, major",
    event = closed("p-short", "2026-3", "2026-04-01T00:05:00-07:00"),
    expect = { flag = "yellow", findings = { "us-or/monthly-report-period" }, score = 90 } },

  { name = "period as a number: malformed, major, no rule error",
    event = closed("p-num", 202603, "2026-04-01T00:05:00-07:00"),
    expect = { flag = "yellow", findings = { "us-or/monthly-report-period" }, score = 90 } },

  { name = "period missing: major, names the event",
    event = closed("p-missing", nil, "2026-04-01T00:05:00-07:00"),
    expect = { flag = "yellow", findings = { "us-or/monthly-report-period" }, score = 90,
      messages = { "period.closed p-missing: period is not recorded" } } },

  -- CTS entry of inventory movements
  { name = "movement entered in CTS 2 h later: holds (retention 7 years)",
    event = moved("m-ok", "2026-03-02T10:00:00-08:00", nil, "2026-03-02T12:00:00-08:00"),
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2033-03-02", obligations = {} } },

  { name = "not yet entered, as_of = occurred_at: obligation due 24 h later",
    event = moved("m-pending", "2026-03-02T10:00:00-08:00"),
    expect = { flag = "green", findings = {},
      obligations = { { action = CTS, due = "2026-03-03T10:00:00-08:00" } } } },

  { name = "not yet entered at exactly 24 h 0 s: still on time",
    event = moved("m-24h", "2026-03-02T10:00:00-08:00", "2026-03-03T10:00:00-08:00"),
    expect = { flag = "green", findings = {},
      obligations = { { action = CTS, due = "2026-03-03T10:00:00-08:00" } } } },

  { name = "not yet entered at 24 h + 1 s: minor, obligation stays",
    event = moved("m-24h1s", "2026-03-02T10:00:00-08:00", "2026-03-03T10:00:01-08:00"),
    expect = { flag = "yellow", findings = { "us-or/cts-entry" }, score = 95,
      obligations = { { action = CTS, due = "2026-03-03T10:00:00-08:00" } },
      messages = { "movement of package 1A4FF0300000029000012345 (050-1001234ABC → 060-1005678DEF) is not in CTS" } } },

  { name = "spring forward: 24 h after 2026-03-07 10:00 PST is 11:00 PDT on the 8th",
    event = moved("m-dst-spring", "2026-03-07T10:00:00-08:00"),
    expect = { flag = "green", findings = {},
      obligations = { { action = CTS, due = "2026-03-08T11:00:00-07:00" } } } },

  { name = "fall back: 24 h after 2026-10-31 10:00 PDT is 09:00 PST on 11-01",
    event = moved("m-dst-fall", "2026-10-31T10:00:00-07:00"),
    expect = { flag = "green", findings = {},
      obligations = { { action = CTS, due = "2026-11-01T09:00:00-08:00" } } } },

  { name = "spring forward: entered 10:30 PDT on the 8th is 23.5 h later, on time",
    event = moved("m-dst-entered", "2026-03-07T10:00:00-08:00", nil, "2026-03-08T10:30:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "entered 24 h + 1 min later: info only, stays green",
    event = moved("m-late-entered", "2026-03-02T10:00:00-08:00", nil, "2026-03-03T10:01:00-08:00"),
    expect = { flag = "green", findings = { "us-or/cts-entry" }, score = 100, obligations = {} } },

  { name = "metrc_reported_at as a number: minor, cannot be checked",
    event = moved("m-bad", "2026-03-02T10:00:00-08:00", nil, 1772474400),
    expect = { flag = "yellow", findings = { "us-or/cts-entry" }, score = 95, obligations = {} } },
}
