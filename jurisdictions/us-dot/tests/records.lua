-- jurisdictions/us-dot/tests/records.lua — fixtures for whole records:
-- an event before the Clearinghouse started (2020-01-06) and one on its
-- first day, an empty payload, a non-object payload (refused by the engine
-- before any rule runs), a numeric or object driver_id, typo'd years, and
-- a driver with every problem at once (one finding per defect, score
-- floored at 0).

return {
  { name = "event on 2020-01-05, before the Clearinghouse started: no version in force",
    event = { type = "driver.status", occurred_at = "2020-01-05T12:00:00-05:00",
      data = { driver_id = "D-500" } },
    expect = { findings = {}, errors = { "no version of pack us-dot is in force" } } },

  { name = "event on 2020-01-06, the first day: decided (nothing on file yet)",
    event = { type = "driver.status", occurred_at = "2020-01-06T08:00:00-05:00",
      data = { driver_id = "D-500", hired_at = "2020-01-06",
        medical_cert_expires = "2021-12-31" } },
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2023-01-06",
      obligations = { { action = "run_pre_employment_full_query", due = "2020-01-06" },
                      { action = "run_annual_clearinghouse_query", due = "2021-01-06" } } } },

  { name = "empty payload: no medical certificate (major) and a pre-employment query to run",
    event = { type = "driver.status", occurred_at = "2026-03-10T09:00:00-05:00", data = {} },
    expect = { flag = "yellow", findings = { "us-dot/medical-certificate" }, score = 90,
      retention_until = "2029-03-10", messages = { "(no driver_id)" },
      obligations = { { action = "run_pre_employment_full_query", due = "2026-03-10" } } } },

  { name = "payload that is a string, not an object: the engine refuses the event",
    event = { type = "driver.status", occurred_at = "2026-03-10T09:00:00-05:00",
      data = "D-501 all good" },
    expect = { refused = "field 'data' must be an object" } },

  { name = "numeric driver_id is named as is",
    event = { type = "driver.status", occurred_at = "2026-03-10T09:00:00-05:00",
      data = { driver_id = 502, medical_cert_expires = "2026-03-01" } },
    expect = { flag = "red", findings = { "us-dot/medical-certificate" }, score = 75,
      messages = { "driver 502" } } },

  { name = "driver_id that is an object: refused by the catalogue, naming the field",
    event = { type = "driver.status", occurred_at = "2026-03-10T09:00:00-05:00",
      data = { driver_id = { number = 504 } } },
    expect = { refused = "/data/driver_id: expected text or a whole number, not an object" } },

  { name = "a typo'd year (9999, 0202) is unreadable, not an arithmetic error",
    event = { type = "driver.status", occurred_at = "2026-03-10T09:00:00-05:00",
      data = { driver_id = "D-505", medical_cert_expires = "2027-06-30",
        first_safety_sensitive_at = "2025-05-01T08:00:00-05:00",
        pre_employment_full_query_at = "0202-04-28T10:00:00-05:00",
        last_limited_query_at = "2026-01-15T10:00:00-05:00",
        violations = { { determined_at = "9999-03-06T10:00:00-05:00" } } } },
    expect = { flag = "yellow", score = 80, errors = 0, retention_until = "2029-01-15",
      findings = { "us-dot/pre-employment-query", "us-dot/violation-report" },
      messages = { "outside the years this pack can check" } } },

  { name = "everything wrong at once: one finding per defect, score floored at 0",
    event = { type = "driver.status", occurred_at = "2026-03-10T09:00:00-05:00",
      data = {
        driver_id = "D-503",
        first_safety_sensitive_at = "2024-01-08T06:00:00-06:00",
        pre_employment_full_query_at = "2024-01-09T10:00:00-06:00", -- late
        last_limited_query_at = "2025-01-10T10:00:00-06:00",        -- > 1 year
        limited_query_result = "info_exists",                       -- no full query
        violations = { { determined_at = "2025-12-01T09:00:00-06:00" } }, -- unreported
        medical_cert_expires = "2025-12-31",                        -- expired
      } },
    expect = { flag = "red", score = 0, retention_until = "2030-12-01", findings = {
      "us-dot/pre-employment-query", "us-dot/annual-query", "us-dot/followup-full-query",
      "us-dot/violation-report", "us-dot/medical-certificate" } } },
}
