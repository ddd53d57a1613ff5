-- jurisdictions/us-dot/retention.lua — how long a driver.status decision
-- and its evidence are kept. These rules never give a finding; they only
-- call ctx.retain_until, so every driver.status event gets a retention date
-- (the decision keeps the latest any rule asks for).
--
--   * query records, 3 years (382.701(e)) — from the latest query;
--   * the driver's consents, 3 years after the last query (382.703);
--   * violation records, 5 years (382.401: positives, alcohol >= 0.02,
--     refusals) — from each violation's determination.
-- Years are added with time.add_years to the anchor's local date on the
-- employer's clock (2024-02-29 + 3 years = 2027-02-28); a query recorded as
-- a date only is that day.
-- luacheck: globals rule

local time = require "edict.time"
local F = require "lib.fields"

local QUERY_FIELDS = {
  "pre_employment_full_query_at", "last_limited_query_at",
  "limited_query_at", "followup_full_query_at",
}

-- The local date of the latest readable query on record (whatever as_of),
-- else of occurred_at: with no query at all the decision itself is the
-- record kept.
local function latest_query_date(e, ctx)
  local d = F.data(e)
  local latest
  for _, name in ipairs(QUERY_FIELDS) do
    local s, v = F.field(d, name, "any") -- a date-only query record counts
    if s == "ok" then
      local day = F.day(v, ctx)
      if latest == nil or day > latest then latest = day end
    end
  end
  return latest or F.day(e.occurred_at, ctx)
end

-- Query records (382.701(e)): kept 3 years (a valid Clearinghouse
-- registration satisfies this, [P F2]; the decision is our copy). Reading:
-- 3 years from the latest query on record, since every query record must
-- survive 3 years and the latest survives longest; no query → from
-- occurred_at. Unreadable query dates are skipped (their findings come from
-- queries.lua). params.query_record_retention_years.
rule {
  id = "us-dot/query-record-retention",
  on = "driver.status",
  severity = "info",
  cite = "49 CFR 382.701(e)",
  check = function(e, ctx)
    local years = F.count_param(ctx, "query_record_retention_years")
    ctx.retain_until(time.add_years(latest_query_date(e, ctx), years))
  end,
}

-- Consents (382.703): kept 3 years after the last query they cover [P F1].
-- Same anchor as the query records: the latest query on record, else
-- occurred_at. params.consent_retention_years.
rule {
  id = "us-dot/consent-retention",
  on = "driver.status",
  severity = "info",
  cite = "49 CFR 382.703",
  check = function(e, ctx)
    local years = F.count_param(ctx, "consent_retention_years")
    ctx.retain_until(time.add_years(latest_query_date(e, ctx), years))
  end,
}

-- Violation records (382.401): positives, alcohol >= 0.02 and refusals are
-- kept 5 years [P F3]; the Clearinghouse also keeps a violation visible at
-- least 5 years from its determination (382.719). Reading: 5 years from
-- each violation's determined_at (its local date on the employer's clock); the latest
-- governs, and only when it is later than the query retention. Entries
-- whose determined_at is missing or unreadable are skipped (the
-- violation-report rule names them). params.violation_record_retention_years.
rule {
  id = "us-dot/violation-record-retention",
  on = "driver.status",
  severity = "info",
  cite = "49 CFR 382.401",
  check = function(e, ctx)
    local vs = F.data(e).violations
    if type(vs) ~= "table" then return end
    local years = F.count_param(ctx, "violation_record_retention_years")
    for _, v in ipairs(vs) do
      if type(v) == "table" then
        local s, dv = F.read(v.determined_at, "any")
        if s == "ok" then ctx.retain_until(time.add_years(F.day(dv, ctx), years)) end
      end
    end
  end,
}
