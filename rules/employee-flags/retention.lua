-- rules/employee-flags/retention.lua — how long an employee.compliance
-- decision and its evidence are kept. These rules never give a finding;
-- they only call ctx.retain_until (the decision keeps the latest date any
-- rule asks for):
--   * seed 001 policy: the audit trail is kept 7 years ("Audit Retention: 7
--     years", params.retention_years), from occurred_at's local date;
--   * 49 CFR 382.401: a positive drug test or a refusal (adulterated and
--     substituted results count as refusals) is kept 5 years
--     (params.positive_test_retention_years), from the test's own date when
--     readable, else occurred_at. It is the floor should a tenant lower the
--     policy figure.
-- Dates are local dates on the employer's clock (edict.read.zone).
-- luacheck: globals rule

local time = require "edict.time"
local read = require "edict.read"
local window = require "edict.window"

-- drug test results 382.401 keeps 5 years (drug_test.lua's categories).
local FIVE_YEARS = {
  positive = true, positive_dilute = true, adulterated = true, substituted = true,
  refusal = true, refused = true, refusal_to_test = true,
}

rule {
  id = "employee-flags/retention",
  on = "employee.compliance",
  severity = "info",
  cite = "seed 001 policy: audit trail kept 7 years",
  check = function(e, ctx)
    local years = window.years_param(ctx, "retention_years")
    ctx.retain_until(time.add_years(read.day(e.occurred_at, ctx), years))
  end,
}

rule {
  id = "employee-flags/drug-test-retention",
  on = "employee.compliance",
  severity = "info",
  cite = "49 CFR 382.401 (positive results and refusals kept 5 years)",
  check = function(e, ctx)
    local t = (e.data or {}).drug_test
    if type(t) ~= "table" then return end
    local r = read.text(t.result)
    if not r or not FIVE_YEARS[(r:lower():gsub("[%s%-]+", "_"))] then return end
    local years = window.years_param(ctx, "positive_test_retention_years")
    local day = read.day(t.date, ctx) or read.day(e.occurred_at, ctx)
    ctx.retain_until(time.add_years(day, years))
  end,
}
