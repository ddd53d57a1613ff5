-- jurisdictions/us-or/retention.lua — how long every Oregon decision and
-- its evidence are kept. Two rules, one per source, so each carries its own
-- citation; the decision keeps the later date (ctx.retain_until keeps the
-- latest any rule asks for):
--   * seed 000 policy: "7-year record retention" (params.retention_years);
--   * OAR 845-025-1200: financial and business records 3 years
--     (params.statute_retention_years), the legal floor if a tenant lowers
--     the policy figure.
-- Both count years from occurred_at's date on Oregon's clock (the record's
-- own date; no Oregon rule found anchors elsewhere), with time.add_years:
-- 2024-02-29 + 7 years = 2031-02-28. Every event type this pack serves is
-- covered, so every Oregon event gets a retention date, including the plant
-- events whose tagging rules live in the us-or-tagging pack.
-- luacheck: globals rule

local window = require "edict.window"

local TYPES = { "waste.recorded", "period.closed", "inventory.moved",
  "plant.phase_changed", "plant.measured" }

local function retain(e, ctx, key)
  window.retain_years(e, ctx, key)
end

-- Operator policy: keep everything 7 years (seed 000). No finding: retention
-- is a duty on the record keeper, met by keeping the decision.
rule {
  id = "us-or/retention-policy",
  on = TYPES,
  severity = "info",
  cite = "seed 000 policy: 7-year record retention",
  check = function(e, ctx) retain(e, ctx, "retention_years") end,
}

-- The statute: OAR 845-025-1200, financial and business records 3 years.
-- FACTS.md [P] names "financial and business records"; reading every
-- tracked record (waste, CTS, plant, report) as a business record is ours
-- (counsel list).
rule {
  id = "us-or/retention-statute",
  on = TYPES,
  severity = "info",
  cite = "OAR 845-025-1200",
  check = function(e, ctx) retain(e, ctx, "statute_retention_years") end,
}
