-- jurisdictions/us-ca/retention.lua — how long a decision and its evidence
-- are kept, for every event type this pack decides (so every California
-- event gets a retention date and none is refused).
--
-- Figure: 7 years. Primary text seen only for the legacy CDFA rule,
-- 3 CCR §8400 [P, FACTS CA6]; the DCC rule now in force, 4 CCR §15037, is
-- believed to say the same but was not seen [U]. Hence params.retention_years
-- with 7 as default, on the counsel list in README.md.
-- Anchor: the civil date written in occurred_at (pack conventions), years
-- added with time.add_years (2028-02-29 + 7 years = 2035-02-28).
-- luacheck: globals rule

local time = require "edict.time"

rule {
  id = "us-ca/retention",
  on = { "waste.recorded", "inventory.moved", "plant.phase_changed" },
  severity = "info", -- never gives a finding; only sets the retention date
  cite = "4 CCR §15037 [unverified]; 3 CCR §8400 (legacy CDFA)",
  title = "Keep track-and-trace records 7 years",
  check = function(e, ctx)
    local years = ctx.params.retention_years
    if math.type(years) ~= "integer" or years < 0 then
      error("params.retention_years must be a whole number of years", 0)
    end
    ctx.retain_until(time.add_years(e.occurred_at, years))
  end,
}
