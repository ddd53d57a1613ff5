-- tenants/roadrunner/tests/certs.lua — Roadrunner's 45-day yellow threshold
-- for certificates (employee-flags cert_alert_days.major = 45, policy SP-7).
--
-- The record follows the employee-flags pack fixtures (rules/employee-flags/
-- tests/certs.lua): as_of 2026-03-20 09:00 -05:00, a clean drug test and a
-- clear background check, so only the certificate scores. The pack
-- fixtures "cert expiring in 31 days: minor" and "cert expiring in 60 days:
-- minor" pin the default; for Roadrunner 31..45 days is major, 46..60
-- minor, and the 61..90-day info tier is unchanged. A tenant with no
-- overlay ("no-overlay") shows the default next to the 40-day case.
--
-- Every employee.compliance decision of Roadrunner lists the waiver of
-- employee-flags/background-unresolved (the rule would have applied to it),
-- even when the background check is clear.

local OCCURRED = "2026-03-20T09:00:00-05:00"

-- An employee.compliance event for driver E-5120 holding one certificate.
local function event(id, kind, expires, tenant)
  return {
    type = "employee.compliance", jurisdiction = "US-DOT", tenant = tenant,
    id = id, occurred_at = OCCURRED,
    data = {
      employee_id = "E-5120",
      certs = { { kind = kind, expires = expires } },
      drug_test = { result = "negative", date = "2026-01-15" },
      background = { status = "clear" },
    },
  }
end

local EXPIRING = { "employee-flags/cert-expiring" }
local WAIVED = { "employee-flags/background-unresolved" }

return {
  { name = "CDL expiring in 40 days: major (yellow) for roadrunner",
    event = event("rr-cert-40", "CDL", "2026-04-29"),
    expect = { flag = "yellow", findings = EXPIRING, score = 90, waivers = WAIVED,
      obligations = {}, retention_until = "2033-03-20", -- seed 001: 7 years
      messages = { "certificate CDL of employee E-5120 expires 2026-04-29, in 40 days" } } },

  { name = "contrast: the same CDL for a tenant with no overlay is minor (pack default 30 days)",
    event = event("rr-cert-40-plain", "CDL", "2026-04-29", "no-overlay"),
    expect = { flag = "yellow", findings = EXPIRING, score = 95, waivers = {} } },

  { name = "expiring in 44 days: major",
    event = event("rr-cert-44", "HAZMAT", "2026-05-03"),
    expect = { flag = "yellow", findings = EXPIRING, score = 90, waivers = WAIVED } },

  { name = "expiring in 45 days: major (the new threshold is inclusive)",
    event = event("rr-cert-45", "HAZMAT", "2026-05-04"),
    expect = { flag = "yellow", findings = EXPIRING, score = 90, waivers = WAIVED,
      messages = { "in 45 days" } } },

  { name = "expiring in 46 days: minor",
    event = event("rr-cert-46", "HAZMAT", "2026-05-05"),
    expect = { flag = "yellow", findings = EXPIRING, score = 95, waivers = WAIVED } },

  { name = "expiring in 31 days: major for roadrunner (minor by default)",
    event = event("rr-cert-31", "CDL", "2026-04-20"),
    expect = { flag = "yellow", findings = EXPIRING, score = 90 } },

  { name = "expiring in 60 days: still minor (minor tier unchanged)",
    event = event("rr-cert-60", "CDL", "2026-05-19"),
    expect = { flag = "yellow", findings = EXPIRING, score = 95 } },

  { name = "expiring in 61 days: info, green (info tier unchanged)",
    event = event("rr-cert-61", "CDL", "2026-05-20"),
    expect = { flag = "green", findings = EXPIRING, score = 100 } },

  { name = "expiring in 91 days: nothing to say",
    event = event("rr-cert-91", "CDL", "2026-06-19"),
    expect = { flag = "green", findings = {}, score = 100, waivers = WAIVED } },

  { name = "expired yesterday: critical, as for everyone",
    event = event("rr-cert-expired", "CDL", "2026-03-19"),
    expect = { flag = "red", findings = { "employee-flags/cert-expired" }, score = 75 } },
}
