-- jurisdictions/us-dot/tests/retention.lua — fixtures for how long a
-- driver.status decision is kept: 3 years after the latest query (query
-- records 382.701(e), consents 382.703), 5 years after a violation's
-- determination (382.401) when that is later, 3 years from occurred_at with
-- no query at all, the 2024 leap day, and unreadable dates skipped.
--
-- Unless a fixture says otherwise: as_of is Tuesday 2026-03-10 09:00 -05:00
-- and driver D-400 is clean.

local AS_OF = "2026-03-10T09:00:00-05:00"
local ABSENT = {}

local BASE = {
  driver_id = "D-400",
  hired_at = "2025-04-20",
  first_safety_sensitive_at = "2025-05-01T08:00:00-05:00",
  pre_employment_full_query_at = "2025-04-28T10:00:00-05:00",
  last_limited_query_at = "2026-01-15T10:00:00-05:00",
  limited_query_result = "no_info",
  medical_cert_expires = "2027-06-30",
}

local function driver(over, as_of)
  local data = {}
  for k, v in pairs(BASE) do data[k] = v end
  for k, v in pairs(over or {}) do
    if v == ABSENT then data[k] = nil else data[k] = v end
  end
  return { type = "driver.status", occurred_at = as_of or AS_OF, data = data }
end

return {
  { name = "retention: 3 years after the latest query (the limited query of 2026-01-15)",
    event = driver(),
    expect = { flag = "green", findings = {}, retention_until = "2029-01-15" } },

  { name = "retention: a follow-up full query later than the limited one governs",
    event = driver { limited_query_result = "info_exists", limited_query_at = "2026-03-02T10:00:00-05:00",
      followup_full_query_at = "2026-03-02T18:00:00-05:00" },
    expect = { flag = "green", findings = {}, retention_until = "2029-03-02" } },

  { name = "retention: a violation determined 2026-02-02 keeps the decision 5 years, to 2031-02-02",
    event = driver { violations = { { determined_at = "2026-02-02T09:00:00-05:00",
      reported_at = "2026-02-04T09:00:00-05:00" } } },
    expect = { flag = "green", findings = {}, retention_until = "2031-02-02" } },

  { name = "retention: an old violation (2020-06-01 + 5 = 2025) yields to the query records (2029)",
    event = driver { violations = { { determined_at = "2020-06-01T09:00:00-05:00",
      reported_at = "2020-06-02T09:00:00-05:00" } } },
    expect = { flag = "green", findings = {}, retention_until = "2029-01-15" } },

  { name = "retention: leap day query 2024-02-29 is kept to 2027-02-28",
    event = driver({ first_safety_sensitive_at = "2024-03-01T08:00:00-05:00",
      pre_employment_full_query_at = "2024-02-29T10:00:00-05:00", last_limited_query_at = ABSENT,
      limited_query_result = ABSENT }, "2024-03-05T09:00:00-05:00"),
    expect = { flag = "green", findings = {}, retention_until = "2027-02-28" } },

  { name = "retention: no query at all and not yet working: 3 years from occurred_at",
    event = driver { first_safety_sensitive_at = ABSENT, pre_employment_full_query_at = ABSENT,
      last_limited_query_at = ABSENT, limited_query_result = ABSENT },
    expect = { flag = "green", findings = {}, retention_until = "2029-03-10" } },

  { name = "retention: an unreadable query date is skipped, the readable ones count",
    event = driver { followup_full_query_at = "2026-03-99T10:00:00-05:00" },
    expect = { flag = "yellow", findings = { "us-dot/followup-full-query" }, score = 90,
      retention_until = "2029-01-15" } },
}
