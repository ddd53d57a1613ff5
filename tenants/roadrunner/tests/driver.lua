-- tenants/roadrunner/tests/driver.lua — US-DOT driver.status decided with
-- Roadrunner's params: the medical certificate is major (yellow) from 45
-- days before expiry (us-dot medical_cert_alert_days.major = 45), and
-- everything else the us-dot pack decides is unchanged.
--
-- The driver is the us-dot pack's clean driver (jurisdictions/us-dot/tests/
-- queries.lua, BASE): as_of Tuesday 2026-03-10 09:00 -05:00, pre-employment
-- query before the first duty, limited query 2026-01-15 (no_info), so the
-- next annual query is due 2027-01-15 and the records are kept to
-- 2029-01-15. The pack fixtures "medical: 31 days left: minor" and
-- "medical: 60 days left: minor" in jurisdictions/us-dot/tests/medical.lua
-- pin the default. The background waiver does not touch driver.status: no
-- employee-flags rule decides that event type, so `waivers` is empty.

local AS_OF = "2026-03-10T09:00:00-05:00"
local ABSENT = {}

local BASE = {
  driver_id = "D-1017",
  hired_at = "2025-04-20",
  first_safety_sensitive_at = "2025-05-01T08:00:00-05:00",
  pre_employment_full_query_at = "2025-04-28T10:00:00-05:00",
  last_limited_query_at = "2026-01-15T10:00:00-05:00",
  limited_query_result = "no_info",
  medical_cert_expires = "2027-01-31",
}

-- A US-DOT driver.status event: BASE with `over` applied.
local function driver(id, over, tenant)
  local data = {}
  for k, v in pairs(BASE) do data[k] = v end
  for k, v in pairs(over or {}) do
    if v == ABSENT then data[k] = nil else data[k] = v end
  end
  return { type = "driver.status", id = id, tenant = tenant, jurisdiction = "US-DOT",
    occurred_at = AS_OF, data = data }
end

local MED = { "us-dot/medical-certificate" }
local ANNUAL = { { action = "run_annual_clearinghouse_query", due = "2027-01-15" } }

return {
  { name = "clean driver, certificate good for 327 days: green, annual query owed, kept 3 years",
    event = driver("rr-ds-clean"),
    expect = { flag = "green", findings = {}, score = 100, waivers = {},
      obligations = ANNUAL, retention_until = "2029-01-15" } },

  { name = "medical certificate 40 days from expiry: major (yellow) for roadrunner",
    event = driver("rr-ds-med-40", { medical_cert_expires = "2026-04-19" }),
    expect = { flag = "yellow", findings = MED, score = 90, waivers = {},
      obligations = ANNUAL, retention_until = "2029-01-15",
      messages = { "driver D-1017: medical certificate expires 2026-04-19, in 40 days" } } },

  { name = "contrast: the same driver for a tenant with no overlay is minor (pack default 30 days)",
    event = driver("rr-ds-med-40-plain", { medical_cert_expires = "2026-04-19" }, "no-overlay"),
    expect = { flag = "yellow", findings = MED, score = 95, obligations = ANNUAL } },

  { name = "medical certificate 44 days from expiry: major",
    event = driver("rr-ds-med-44", { medical_cert_expires = "2026-04-23" }),
    expect = { flag = "yellow", findings = MED, score = 90 } },

  { name = "medical certificate 45 days from expiry: major (inclusive)",
    event = driver("rr-ds-med-45", { medical_cert_expires = "2026-04-24" }),
    expect = { flag = "yellow", findings = MED, score = 90, messages = { "in 45 days" } } },

  { name = "medical certificate 46 days from expiry: minor",
    event = driver("rr-ds-med-46", { medical_cert_expires = "2026-04-25" }),
    expect = { flag = "yellow", findings = MED, score = 95 } },

  { name = "medical certificate 61 days from expiry: info, green (info tier unchanged)",
    event = driver("rr-ds-med-61", { medical_cert_expires = "2026-05-10" }),
    expect = { flag = "green", findings = MED, score = 100 } },

  { name = "certificate 44 days out and the annual query overdue: critical + major, score 65",
    event = driver("rr-ds-two", { medical_cert_expires = "2026-04-23",
      last_limited_query_at = "2025-03-09T10:00:00-05:00",
      pre_employment_full_query_at = "2025-02-28T10:00:00-05:00" }),
    expect = { flag = "red", findings = { "us-dot/annual-query", "us-dot/medical-certificate" },
      score = 65 } },

  { name = "no medical certificate on file: major, as for everyone",
    event = driver("rr-ds-no-med", { medical_cert_expires = ABSENT }),
    expect = { flag = "yellow", findings = MED, score = 90,
      messages = { "no medical certificate on file" } } },
}
