-- jurisdictions/us-md/retention.lua — how long a decision and its evidence
-- are kept, for every event type this pack decides (so every Maryland event
-- gets a retention date and none is refused).
--
-- Figure: 2 years, seed 000 policy ("2-year record retention" for
-- Maryland). FACTS.md found no Maryland retention rule in COMAR 14.17, so
-- params.retention_years carries the seed's figure and is on the counsel
-- list in README.md.
-- Anchor: occurred_at's local date on the pack's clock (window.retain_years),
-- years added with time.add_years (2028-02-29 + 2 years = 2030-02-28).
-- luacheck: globals rule

local window = require "edict.window"

rule {
  id = "us-md/retention",
  on = { "waste.recorded", "inventory.moved", "plant.phase_changed" },
  severity = "info", -- never gives a finding; only sets the retention date
  cite = "seed 000 policy: 2-year record retention (MD; no COMAR 14.17 retention rule found)",
  title = "Keep track-and-trace records 2 years",
  check = function(e, ctx)
    window.retain_years(e, ctx, "retention_years")
  end,
}
