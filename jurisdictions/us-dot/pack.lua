-- jurisdictions/us-dot/pack.lua — manifest of the US DOT / FMCSA pack:
-- Drug and Alcohol Clearinghouse queries and violation reports (49 CFR 382
-- subpart G), the driver's medical certificate (49 CFR 391.45) and the
-- record retention that follows from them, all for `driver.status` events
-- (one snapshot of one driver's Clearinghouse and DQ-file dates).
--
-- Effective from 2020-01-06, the day the Clearinghouse started operating and
-- the query and reporting duties of 382.701 and 382.705 began to bind
-- employers. A driver.status event that occurred earlier is not decided by
-- this pack (the engine says "no version of pack us-dot is in force").
--
-- What is statute and what is a reading or an unconfirmed figure is said on
-- every rule; README.md lists the readings and the figures to confirm.
return {
  name = "us-dot",
  version = "2026.1",
  jurisdiction = "US-DOT",
  title = "FMCSA Drug and Alcohol Clearinghouse and driver medical certificate (49 CFR 382 subpart G, 391)",
  effective_from = "2020-01-06",
  -- The default clock of every date the pack compares (the version in
  -- force, query anniversaries, certificate expiry days, the day a
  -- violation was determined and the close of a business day), whatever
  -- offset each timestamp is written in. US-DOT spans several zones: this
  -- is only the default (Central time, the middle of the contiguous
  -- states' four, at most an hour from Eastern and two from Pacific); a
  -- carrier names its principal place of business in params.zone.
  zone = "America/Chicago",
  params = {
    -- The employer's zone (its principal place of business), e.g.
    -- "America/Los_Angeles"; "" (the default) uses the manifest zone above.
    -- Every local date of the pack's rules is taken on this clock.
    zone = "",
    -- The annual query cycle (382.701(b), "at least once a year"):
    -- "calendar_year": a query on day D is good through the same day a year
    --   later (add_years, so 2024-02-29 is good through 2025-02-28);
    -- "365_days": good through D + 365 days (FMCSA FAQs, [S] in FACTS.md,
    --   let the employer choose a 365-day cycle).
    annual_query_cycle = "calendar_year",
    -- Hours after a limited query showing information within which the full
    -- query must be run (382.701(b)). Instant arithmetic: exactly this many
    -- hours is on time.
    followup_full_query_hours = { default = 24, max = 24, cite = "49 CFR 382.701(b)",
                                  rules = { "us-dot/followup-full-query" } },
    -- Business days after the day of determination by whose close an
    -- employer must report a violation (382.705(b)); [U] in FACTS.md.
    violation_report_business_days = { default = 3, max = 3, type = "integer", cite = "49 CFR 382.705(b)",
                                       rules = { "us-dot/violation-report" } },
    -- Lead times in days before medical_cert_expires (its last valid day):
    -- 0..major days left → major, major+1..minor → minor, minor+1..info →
    -- info, further out → nothing. Must ascend. Operator policy (seed 001's
    -- 30/60/90-day alerts), not statute.
    medical_cert_alert_days = { major = 30, minor = 60, info = 90 },
    -- Retention in years: query records (382.701(e)) and consents
    -- (382.703) from the latest query; violation records from the
    -- determination (382.401: positives and refusals, 5 years).
    -- Statute figures: a tenant may keep records longer, not shorter.
    query_record_retention_years = { default = 3, min = 3, type = "integer", cite = "49 CFR 382.701(e)",
                                     rules = { "us-dot/query-record-retention" } },
    consent_retention_years = { default = 3, min = 3, type = "integer", cite = "49 CFR 382.703",
                                rules = { "us-dot/consent-retention" } },
    violation_record_retention_years = { default = 5, min = 5, type = "integer", cite = "49 CFR 382.401",
                                         rules = { "us-dot/violation-record-retention" } },
  },
  events = { "driver.status" }, -- the types it decides (docs/EVENTS.md)
  rules = { "queries.lua", "violations.lua", "medical.lua", "retention.lua" },
}
