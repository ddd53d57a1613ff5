-- tenants/roadrunner/policy.lua — overlay of Roadrunner, an interstate
-- trucking carrier regulated by FMCSA.
--
-- Roadrunner decides its drivers' Clearinghouse and medical-certificate
-- status with the us-dot pack and scores every employee with the shared
-- employee-flags pack (a "*" pack: it applies to every tenant). Changes,
-- one line each in README.md:
--   * certificates flagged major (yellow) from 45 days before expiry, not
--     30 (employee-flags cert_alert_days.major = 45; Safety policy SP-7);
--   * the DOT medical certificate likewise (us-dot
--     medical_cert_alert_days.major = 45);
--   * employee-flags/background-unresolved waived: background checks are
--     run and adjudicated by the DOT consortium outside edict.
--
-- A table override merges into the pack's table, so only the major tier
-- is written: the 60-day minor and 90-day info tiers stay the packs'.
--
-- Every Roadrunner event is US-DOT, employee.compliance events included:
-- the overlay lists only US-DOT, and an event of any other jurisdiction is
-- refused (see tests/scope.lua).
return {
  tenant = "roadrunner",
  version = "2026.1",
  title = "Roadrunner Freight (FMCSA-regulated motor carrier)",
  jurisdictions = { "US-DOT" },
  params = {
    ["employee-flags"] = {
      -- SP-7: 45 days is how long renewing a CDL endorsement or a hazmat
      -- certificate takes us in practice (appointment, test, card by mail);
      -- a 30-day warning left drivers parked.
      cert_alert_days = { major = 45 },
    },
    ["us-dot"] = {
      -- SP-7 again, for the medical examiner's certificate (49 CFR 391.45):
      -- a DOT physical has to be booked with a registry examiner, so the
      -- yellow flag starts at 45 days.
      medical_cert_alert_days = { major = 45 },
    },
  },
  waivers = {
    ["employee-flags/background-unresolved"] =
      "Background checks for drivers are run by our DOT consortium (C/TPA contract 2026-07), "
      .. "results tracked outside edict — approved by J. Ortiz, Safety Director, 2026-03-01",
  },
}
