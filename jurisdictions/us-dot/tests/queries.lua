-- jurisdictions/us-dot/tests/queries.lua — fixtures for the Clearinghouse
-- query rules: pre-employment full query before the first safety-sensitive
-- function (equal instants, offsets, not yet working, scheduled duty), the
-- annual query (the calendar-year anniversary, the 2024 leap day, a new
-- hire's pre-employment query, the follow-up full query counting, no query
-- at all) and the 24-hour follow-up full query (exactly 24 h, 24 h + 1 min,
-- both DST change days of 2026, none yet before and after the deadline).
--
-- Unless a fixture says otherwise: as_of is Tuesday 2026-03-10 09:00 -05:00
-- (occurred_at), and driver D-100 is clean: pre-employment query before the
-- first duty, limited query 2026-01-15 with no_info, medical certificate
-- good for 327 more days, no violations. Fixtures that move the limited
-- query earlier move the pre-employment query (2025-04-28) out of its way.

local AS_OF = "2026-03-10T09:00:00-05:00"
local ABSENT = {} -- an override that removes the field

local BASE = {
  driver_id = "D-100",
  hired_at = "2025-04-20",
  first_safety_sensitive_at = "2025-05-01T08:00:00-05:00",
  pre_employment_full_query_at = "2025-04-28T10:00:00-05:00",
  last_limited_query_at = "2026-01-15T10:00:00-05:00",
  limited_query_result = "no_info",
  medical_cert_expires = "2027-01-31",
}

-- A driver.status event: BASE with `over` applied, decided at as_of.
local function driver(over, as_of)
  local data = {}
  for k, v in pairs(BASE) do data[k] = v end
  for k, v in pairs(over or {}) do
    if v == ABSENT then data[k] = nil else data[k] = v end
  end
  return { type = "driver.status", occurred_at = as_of or AS_OF, data = data }
end

local PRE = "us-dot/pre-employment-query"
local ANNUAL = "us-dot/annual-query"
local FOLLOW = "us-dot/followup-full-query"

return {
  -- ---- the clean driver ---------------------------------------------
  { name = "clean driver: green, next annual query due a year after the last, records kept 3 years",
    event = driver(),
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2029-01-15",
      obligations = { { action = "run_annual_clearinghouse_query", due = "2027-01-15" } } } },

  -- ---- pre-employment query (382.701(a)) ----------------------------
  { name = "pre-employment: no full query, driver already working: critical",
    event = driver { pre_employment_full_query_at = ABSENT },
    expect = { flag = "red", findings = { PRE }, score = 75,
      messages = { "driver D-100", "no pre-employment full Clearinghouse query",
        "2025-05-01T08:00:00-05:00" } } },

  { name = "pre-employment: full query two days after the first duty: critical (late)",
    event = driver { pre_employment_full_query_at = "2025-05-03T08:00:00-05:00" },
    expect = { flag = "red", findings = { PRE }, score = 75, messages = { "48 h after" } } },

  { name = "pre-employment: query at exactly the first duty's instant is late: critical",
    event = driver { pre_employment_full_query_at = "2025-05-01T08:00:00-05:00" },
    expect = { flag = "red", findings = { PRE }, score = 75,
      messages = { "at the same moment as" } } },

  { name = "pre-employment: same instant written in UTC (13:00Z = 08:00-05:00): still late",
    event = driver { pre_employment_full_query_at = "2025-05-01T13:00:00Z" },
    expect = { flag = "red", findings = { PRE }, score = 75,
      messages = { "at the same moment as" } } },

  { name = "pre-employment: query one second before the first duty: holds",
    event = driver { pre_employment_full_query_at = "2025-05-01T07:59:59-05:00" },
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "pre-employment: query 1 h later on the clock but 1 h earlier in fact (-04:00 vs -06:00 offsets): holds",
    event = driver { first_safety_sensitive_at = "2025-05-01T08:00:00-04:00",
      pre_employment_full_query_at = "2025-05-01T05:00:00-06:00" },
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "pre-employment: not yet working, no query: an obligation due at hire (2026-03-16), no finding",
    event = driver { hired_at = "2026-03-16", first_safety_sensitive_at = ABSENT,
      pre_employment_full_query_at = ABSENT, last_limited_query_at = ABSENT,
      limited_query_result = ABSENT },
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2029-03-10",
      obligations = { { action = "run_pre_employment_full_query", due = "2026-03-16" } } } },

  { name = "pre-employment: no first duty recorded, hired 2025-04-20, no query: obligation due today; the annual query runs from the hire",
    event = driver { first_safety_sensitive_at = ABSENT, pre_employment_full_query_at = ABSENT,
      last_limited_query_at = ABSENT, limited_query_result = ABSENT },
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { { action = "run_pre_employment_full_query", due = "2026-03-10" },
                      { action = "run_annual_clearinghouse_query", due = "2026-04-20" } } } },

  { name = "pre-employment: first duty scheduled after as_of, no query yet: obligation due at that moment",
    event = driver { hired_at = "2026-03-02", first_safety_sensitive_at = "2026-03-16T06:00:00-05:00",
      pre_employment_full_query_at = ABSENT, last_limited_query_at = ABSENT,
      limited_query_result = ABSENT },
    expect = { flag = "green", findings = {}, score = 100, obligations = {
      { action = "run_pre_employment_full_query", due = "2026-03-16T06:00:00-05:00" } } } },

  { name = "pre-employment: query on record, first duty not recorded: nothing to decide; the next annual query a year after it",
    event = driver { first_safety_sensitive_at = ABSENT, last_limited_query_at = ABSENT,
      limited_query_result = ABSENT, pre_employment_full_query_at = "2026-03-02T10:00:00-05:00" },
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { { action = "run_annual_clearinghouse_query", due = "2027-03-02" } },
      retention_until = "2029-03-02" } },

  { name = "pre-employment: first_safety_sensitive_at unreadable: major naming the field",
    event = driver { first_safety_sensitive_at = "last spring" },
    expect = { flag = "yellow", findings = { PRE }, score = 90,
      messages = { "first_safety_sensitive_at", "\"last spring\"" } } },

  { name = "pre-employment: query recorded as a bare date: major, order of query and duty unknown",
    event = driver { pre_employment_full_query_at = "2025-04-28" },
    expect = { flag = "yellow", findings = { PRE }, score = 90,
      messages = { "pre_employment_full_query_at", "date without a time of day" } } },

  { name = "pre-employment: hired_at as a number: major naming hired_at, the rest still decided",
    event = driver { hired_at = 20250420 },
    expect = { flag = "yellow", findings = { PRE }, score = 90,
      messages = { "hired_at", "is a number" } } },

  { name = "pre-employment: driver working since before the Clearinghouse (2019-11-11) owed none",
    event = driver { hired_at = "2019-11-04", first_safety_sensitive_at = "2019-11-11T06:00:00-06:00",
      pre_employment_full_query_at = ABSENT },
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { { action = "run_annual_clearinghouse_query", due = "2027-01-15" } } } },

  -- ---- annual query (382.701(b)) ------------------------------------
  { name = "annual: pre-Clearinghouse driver, no query yet on 2020-12-01: first annual query due 2021-01-06",
    event = driver({ hired_at = "2019-11-04", first_safety_sensitive_at = "2019-11-11T06:00:00-06:00",
      pre_employment_full_query_at = ABSENT, last_limited_query_at = ABSENT,
      limited_query_result = ABSENT }, "2020-12-01T09:00:00-06:00"),
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { { action = "run_annual_clearinghouse_query", due = "2021-01-06" } } } },

  { name = "annual: pre-Clearinghouse driver, still no query on 2021-01-07: critical",
    event = driver({ hired_at = "2019-11-04", first_safety_sensitive_at = "2019-11-11T06:00:00-06:00",
      pre_employment_full_query_at = ABSENT, last_limited_query_at = ABSENT,
      limited_query_result = ABSENT }, "2021-01-07T09:00:00-06:00"),
    expect = { flag = "red", findings = { ANNUAL }, score = 75,
      messages = { "due by 2021-01-06, 1 day ago" } } },

  { name = "annual: last query exactly one calendar year before as_of: still good today",
    event = driver { last_limited_query_at = "2025-03-10T16:00:00-05:00",
      pre_employment_full_query_at = "2024-04-28T10:00:00-05:00" },
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { { action = "run_annual_clearinghouse_query", due = "2026-03-10" } } } },

  { name = "annual: last query one year and one day before as_of: critical",
    event = driver { last_limited_query_at = "2025-03-09T16:00:00-05:00",
      pre_employment_full_query_at = "2024-04-28T10:00:00-05:00" },
    expect = { flag = "red", findings = { ANNUAL }, score = 75, obligations = {},
      messages = { "overdue", "due by 2026-03-09, 1 day ago" } } },

  { name = "annual: leap day query 2024-02-29 is good through 2025-02-28",
    event = driver({ first_safety_sensitive_at = "2023-06-01T08:00:00-05:00",
      pre_employment_full_query_at = "2023-05-30T08:00:00-05:00",
      last_limited_query_at = "2024-02-29T10:00:00-05:00" }, "2025-02-28T17:00:00-05:00"),
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { { action = "run_annual_clearinghouse_query", due = "2025-02-28" } } } },

  { name = "annual: leap day query 2024-02-29 is overdue on 2025-03-01",
    event = driver({ first_safety_sensitive_at = "2023-06-01T08:00:00-05:00",
      pre_employment_full_query_at = "2023-05-30T08:00:00-05:00",
      last_limited_query_at = "2024-02-29T10:00:00-05:00" }, "2025-03-01T08:00:00-05:00"),
    expect = { flag = "red", findings = { ANNUAL }, score = 75,
      messages = { "due by 2025-02-28" } } },

  { name = "annual: new hire with no limited query yet, pre-employment query 9 months ago: fine",
    event = driver { hired_at = "2025-06-01", pre_employment_full_query_at = "2025-06-02T10:00:00-05:00",
      first_safety_sensitive_at = "2025-06-03T06:00:00-05:00", last_limited_query_at = ABSENT,
      limited_query_result = ABSENT },
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { { action = "run_annual_clearinghouse_query", due = "2026-06-02" } } } },

  { name = "annual: pre-employment query 13 months ago and nothing since: critical",
    event = driver { hired_at = "2025-02-01", pre_employment_full_query_at = "2025-02-03T10:00:00-05:00",
      first_safety_sensitive_at = "2025-02-04T06:00:00-05:00", last_limited_query_at = ABSENT,
      limited_query_result = ABSENT },
    expect = { flag = "red", findings = { ANNUAL }, score = 75,
      messages = { "pre-employment full query at 2025-02-03T10:00:00-05:00", "due by 2026-02-03" } } },

  { name = "annual: a follow-up full query a day after the limited one restarts the year",
    event = driver({ pre_employment_full_query_at = "2024-04-28T10:00:00-05:00",
      last_limited_query_at = "2025-02-28T20:00:00-05:00",
      limited_query_result = "info_exists", followup_full_query_at = "2025-03-01T19:00:00-05:00" },
      "2026-03-01T12:00:00-05:00"),
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { { action = "run_annual_clearinghouse_query", due = "2026-03-01" } } } },

  -- ---- issue 16: every employed driver, date-only queries, one clock --
  { name = "annual: hired 2021, first duty not recorded, only the pre-employment query of 2021: critical (382.701(b) binds every employed driver)",
    event = driver { hired_at = "2021-06-01", first_safety_sensitive_at = ABSENT,
      pre_employment_full_query_at = "2021-05-28T10:00:00-05:00", last_limited_query_at = ABSENT,
      limited_query_result = ABSENT },
    expect = { flag = "red", findings = { ANNUAL }, score = 75,
      messages = { "last query: pre-employment full query at 2021-05-28T10:00:00-05:00, so one was due by 2022-05-28" } } },

  { name = "annual: hired 2021, no query at all, no first duty date: critical from the hire",
    event = driver { hired_at = "2021-06-01", first_safety_sensitive_at = ABSENT,
      pre_employment_full_query_at = ABSENT, last_limited_query_at = ABSENT,
      limited_query_result = ABSENT },
    expect = { flag = "red", findings = { ANNUAL }, score = 75,
      messages = { "no query on record since the driver was hired on 2021-06-01" } } },

  { name = "annual: a limited query recorded as a date only counts (the rule counts days); retention from it",
    event = driver { last_limited_query_at = "2026-01-15" },
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2029-01-15",
      obligations = { { action = "run_annual_clearinghouse_query", due = "2027-01-15" } } } },

  { name = "annual: a date-only limited query newer than a timestamped one: retention runs from the latest record",
    event = driver { last_limited_query_at = "2026-02-20", limited_query_at = "2026-01-15T10:00:00-05:00" },
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2029-02-20" } },

  { name = "follow-up: info_exists with the limited query as a date only: the 24 hours cannot be counted, major",
    event = driver { last_limited_query_at = "2026-03-09", limited_query_result = "info_exists" },
    expect = { flag = "yellow", findings = { FOLLOW }, score = 90,
      messages = { "field last_limited_query_at \"2026-03-09\" is a date without a time of day" } } },

  { name = "annual: query 364 days 23 hours before as_of, the two written in different offsets: current",
    event = driver({ last_limited_query_at = "2025-03-10T22:30:00-06:00",
      pre_employment_full_query_at = "2025-02-03T10:00:00-06:00",
      first_safety_sensitive_at = "2025-02-04T08:00:00-06:00" }, "2026-03-11T03:30:00Z"),
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { { action = "run_annual_clearinghouse_query", due = "2026-03-10" } } } },

  { name = "annual: the same query, as_of one hour later (00:30 CDT on 03-11): critical",
    event = driver({ last_limited_query_at = "2025-03-10T22:30:00-06:00",
      pre_employment_full_query_at = "2025-02-03T10:00:00-06:00",
      first_safety_sensitive_at = "2025-02-04T08:00:00-06:00" }, "2026-03-11T05:30:00Z"),
    expect = { flag = "red", findings = { ANNUAL }, score = 75 } },

  { name = "annual: a query dated after as_of does not count",
    event = driver { last_limited_query_at = "2026-03-10T10:00:00-05:00",
      pre_employment_full_query_at = "2025-02-03T10:00:00-05:00" },
    expect = { flag = "red", findings = { ANNUAL }, score = 75 } },

  { name = "no query ever, working since 2025-01-02: pre-employment and annual both critical",
    event = driver { first_safety_sensitive_at = "2025-01-02T06:00:00-05:00",
      pre_employment_full_query_at = ABSENT, last_limited_query_at = ABSENT,
      limited_query_result = ABSENT },
    expect = { flag = "red", findings = { PRE, ANNUAL }, score = 50, retention_until = "2029-03-10",
      messages = { "no query on record since the first safety-sensitive function" } } },

  { name = "no query ever, working since 2026-01-05: pre-employment critical, annual not yet due",
    event = driver { first_safety_sensitive_at = "2026-01-05T06:00:00-05:00",
      pre_employment_full_query_at = ABSENT, last_limited_query_at = ABSENT,
      limited_query_result = ABSENT },
    expect = { flag = "red", findings = { PRE }, score = 75,
      obligations = { { action = "run_annual_clearinghouse_query", due = "2027-01-05" } } } },

  { name = "annual: unreadable last_limited_query_at: one major, no critical guess",
    event = driver { last_limited_query_at = "2026-13-01T10:00:00-05:00",
      pre_employment_full_query_at = "2024-04-28T10:00:00-05:00" },
    expect = { flag = "yellow", findings = { ANNUAL }, score = 90,
      messages = { "last_limited_query_at", "month" } } },

  -- ---- follow-up full query within 24 h (382.701(b)) ----------------
  { name = "follow-up: full query exactly 24 h after the limited query: on time",
    event = driver { limited_query_result = "info_exists", limited_query_at = "2026-03-02T10:00:00-05:00",
      followup_full_query_at = "2026-03-03T10:00:00-05:00" },
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "follow-up: full query 24 h + 1 min after: critical",
    event = driver { limited_query_result = "info_exists", limited_query_at = "2026-03-02T10:00:00-05:00",
      followup_full_query_at = "2026-03-03T10:01:00-05:00" },
    expect = { flag = "red", findings = { FOLLOW }, score = 75,
      messages = { "24.02 h later", "2026-03-03T10:00:00-05:00" } } },

  { name = "follow-up: DST spring forward (2026-03-08): 10:30 EDT next day is only 23.5 h: on time",
    event = driver { limited_query_result = "info_exists", limited_query_at = "2026-03-07T10:00:00-05:00",
      followup_full_query_at = "2026-03-08T10:30:00-04:00" },
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "follow-up: DST spring forward: 11:00:01 EDT next day is 24 h + 1 s: critical",
    event = driver { limited_query_result = "info_exists", limited_query_at = "2026-03-07T10:00:00-05:00",
      followup_full_query_at = "2026-03-08T11:00:01-04:00" },
    expect = { flag = "red", findings = { FOLLOW }, score = 75 } },

  { name = "follow-up: DST fall back (2026-11-01): 09:30 EST next day is 24.5 h: critical",
    event = driver({ limited_query_result = "info_exists", limited_query_at = "2026-10-31T10:00:00-04:00",
      followup_full_query_at = "2026-11-01T09:30:00-05:00", medical_cert_expires = "2027-06-30" },
      "2026-11-02T09:00:00-05:00"),
    expect = { flag = "red", findings = { FOLLOW }, score = 75, messages = { "24.5 h later" } } },

  { name = "follow-up: none yet, 23 h after the limited query: major (prohibited until run) + obligation",
    event = driver({ limited_query_result = "info_exists", limited_query_at = "2026-03-09T10:00:00-05:00" },
      "2026-03-10T09:00:00-05:00"),
    expect = { flag = "yellow", findings = { FOLLOW }, score = 90,
      messages = { "prohibited from safety-sensitive functions until a full query", "2026-03-10T10:00:00-05:00" },
      obligations = {
        { action = "run_annual_clearinghouse_query", due = "2027-03-09" },
        { action = "run_followup_full_query", due = "2026-03-10T10:00:00-05:00" } } } },

  { name = "follow-up: none yet, as_of exactly 24 h after: still major, not yet late",
    event = driver({ limited_query_result = "info_exists", limited_query_at = "2026-03-09T10:00:00-05:00" },
      "2026-03-10T15:00:00Z"),
    expect = { flag = "yellow", findings = { FOLLOW }, score = 90 } },

  { name = "follow-up: none yet, as_of 24 h + 1 s after: critical, driver prohibited",
    event = driver({ limited_query_result = "info_exists", limited_query_at = "2026-03-09T10:00:00-05:00" },
      "2026-03-10T10:00:01-05:00"),
    expect = { flag = "red", findings = { FOLLOW }, score = 75,
      messages = { "the driver is prohibited", "deadline 2026-03-10T10:00:00-05:00" } } },

  { name = "follow-up: no limited_query_at, last_limited_query_at is the limited query",
    event = driver { limited_query_result = "info_exists" },
    expect = { flag = "red", findings = { FOLLOW }, score = 75,
      messages = { "limited query at 2026-01-15T10:00:00-05:00" } } },

  { name = "follow-up: a full query dated before the limited query is not its follow-up",
    event = driver { limited_query_result = "info_exists", limited_query_at = "2026-03-02T10:00:00-05:00",
      followup_full_query_at = "2026-03-01T10:00:00-05:00" },
    expect = { flag = "red", findings = { FOLLOW }, score = 75, messages = { "predates" } } },

  { name = "follow-up: info_exists with no limited query time at all: major, cannot be computed",
    event = driver { limited_query_result = "info_exists", last_limited_query_at = ABSENT },
    expect = { flag = "yellow", findings = { FOLLOW }, score = 90,
      messages = { "no limited query time" } } },

  { name = "follow-up: result spelled \"No Info\" reads as no_info: holds",
    event = driver { limited_query_result = "No Info" },
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "follow-up: result \" No Info \" padded with spaces reads as no_info: holds",
    event = driver { limited_query_result = " No Info " },
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "follow-up: unknown result \"pending\": major, cannot be checked",
    event = driver { limited_query_result = "pending" },
    expect = { flag = "yellow", findings = { FOLLOW }, score = 90,
      messages = { "limited_query_result", "\"pending\"" } } },

  { name = "follow-up: result as a boolean: major naming the field",
    event = driver { limited_query_result = true },
    expect = { flag = "yellow", findings = { FOLLOW }, score = 90,
      messages = { "limited_query_result is a boolean" } } },

  { name = "follow-up: followup_full_query_at with offset +25:00: major naming the field",
    event = driver { limited_query_result = "info_exists", limited_query_at = "2026-03-02T10:00:00-05:00",
      followup_full_query_at = "2026-03-02T20:00:00+25:00" },
    expect = { flag = "yellow", findings = { FOLLOW }, score = 90,
      messages = { "followup_full_query_at", "not a valid RFC 3339 timestamp" } } },
}
