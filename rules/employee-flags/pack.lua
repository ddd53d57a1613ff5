-- rules/employee-flags/pack.lua — manifest of the shared employee flag pack:
-- the seed 001 workforce-compliance flag scoring for `employee.compliance`
-- events (certificate expiry alerts, drug test results, background checks).
--
-- Which requirement is law and which is operator policy:
--   * 30/60/90-day certificate alerts and green/yellow/red flags: operator
--     policy (seed 001, "Training & Certifications — 30/60/90-day expiration
--     alerts"); the thresholds are params so a tenant can move them.
--   * drug test outcomes: the categories (positive, adulterated, substituted,
--     refusal, dilute, cancelled) and what follows from them come from DOT
--     law (49 CFR 382 and 40). They bind FMCSA-regulated drivers only; for
--     every other employee the same treatment is operator policy (seed 001).
--   * background checks: operator policy (seed 001, "Background Checks —
--     FCRA adjudication, adverse action workflows").
return {
  name = "employee-flags",
  version = "2026.1",
  jurisdiction = "*", -- shared pack: applies to events of any jurisdiction
  title = "Workforce compliance flags: certificate expiry, drug tests, background checks",
  effective_from = "2020-01-01",
  -- The default clock of every date the pack compares (expiry days against
  -- as_of, the version in force), whatever offset a timestamp is written
  -- in: Central time, as for us-dot. The employer names its own in
  -- params.zone.
  zone = "America/Chicago",
  params = {
    -- The employer's zone, e.g. "America/Los_Angeles"; "" (the default)
    -- uses the manifest zone above.
    zone = "",
    -- Lead times in days before a certificate's `expires` date. A cert with
    -- 0..major days left gives a major finding, major+1..minor a minor one,
    -- minor+1..info an info one; further out, nothing. Must be ascending.
    cert_alert_days = { major = 30, minor = 60, info = 90 },
    -- Severity when an employee has no drug test / no background check on
    -- record at all. "info" keeps the flag green (a reminder, not a breach);
    -- a tenant that requires both for every employee can raise it.
    missing_drug_test_severity = "info",
    missing_background_severity = "info",
    -- Retention in years: the audit trail (seed 001 policy, "Audit
    -- Retention: 7 years") from occurred_at; a positive drug test or a
    -- refusal (49 CFR 382.401: 5 years) from the test's date.
    retention_years = 7,
    positive_test_retention_years = { default = 5, min = 5, type = "integer", cite = "49 CFR 382.401",
                                      rules = { "employee-flags/drug-test-retention" } },
  },
  events = { "employee.compliance" }, -- the types it decides (docs/EVENTS.md)
  rules = { "certs.lua", "drug_test.lua", "background.lua", "retention.lua" },
}
