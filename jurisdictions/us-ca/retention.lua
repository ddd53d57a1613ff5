-- jurisdictions/us-ca/retention.lua — how long a decision and its evidence
-- are kept, for every event type this pack decides (so every California
-- event gets a retention date and none is refused).
--
-- Figure: 7 years. Primary text seen only for the legacy CDFA rule,
-- 3 CCR §8400 [P, FACTS CA6]; the DCC rule now in force, 4 CCR §15037, is
-- believed to say the same but was not seen [U]. Hence params.retention_years
-- with 7 as default, on the counsel list in README.md.
-- Anchor: occurred_at's local date on the pack's clock (window.retain_years),
-- years added with time.add_years (2028-02-29 + 7 years = 2035-02-28).
-- luacheck: globals rule

local window = require "edict.window"

rule {
  id = "us-ca/retention",
  on = { "waste.recorded", "inventory.moved", "plant.phase_changed" },
  severity = "info", -- never gives a finding; only sets the retention date
  cite = "4 CCR §15037 [unverified]; 3 CCR §8400 (legacy CDFA)",
  title = "Keep track-and-trace records 7 years",
  check = function(e, ctx)
    window.retain_years(e, ctx, "retention_years")
  end,
}
