-- jurisdictions/us-or/pack.lua — manifest of the Oregon pack: OLCC
-- recreational marijuana rules (OAR 845-025) and the grower platform's
-- Oregon policy (seed 000) for waste.recorded, period.closed,
-- inventory.moved, plant.phase_changed and plant.measured.
--
-- Which requirement is law and which is operator policy:
--   * waste witness + photo: operator policy (seed 000, "Waste requires
--     witness + photo"). FACTS.md: no Oregon rule requiring a human witness
--     was found.
--   * waste reason, method, exact time of destruction, and the 3-business-day
--     camera hold of post-harvest waste, whole plants over 24 in and waste
--     that was once a marijuana item: OAR 845-025-7750.
--   * monthly report due 15 days after month end: operator policy (seed 000);
--     FACTS.md found no OLCC monthly report.
--   * CTS entry of inventory movements: OAR 845-025-7540 asks CTS to "fully
--     and transparently" account for inventory; it sets no hour deadline, so
--     the window here is policy (params.cts_report_window_hours).
--   * retention: 7 years is seed 000 policy; OAR 845-025-1200 requires 3
--     years. Both are encoded; the decision keeps the later date.
--   * plant tagging is NOT here: it is the us-or-tagging pack, two
--     effective-dated versions (jurisdictions/us-or-tagging-2023 and
--     jurisdictions/us-or-tagging). This pack only sets retention for the
--     plant events.
-- See README.md for the rule table, readings and figures to confirm.
return {
  name = "us-or",
  version = "2026.1",
  jurisdiction = "US-OR",
  title = "Oregon OLCC recreational marijuana (OAR 845-025): waste, monthly report, CTS, retention",
  -- OAR 845-025 (the recreational program) from 2016. The current 7750 text
  -- is applied to every event since then: FACTS.md says the 2016 text used
  -- 8 in and no camera, but not when it changed (see README, counsel list).
  effective_from = "2016-01-01",
  -- Oregon's clock: every "day" below is a local calendar day here, and the
  -- version in force is chosen by occurred_at's date on it.
  zone = "America/Los_Angeles",
  params = {

    -- Waste (seed 000 policy): photos with a sha256 needed per waste record.
    -- 0 turns the photo requirement off.
    min_photos = 1,

    -- Waste hold (OAR 845-025-7750): whole plants STRICTLY taller than this
    -- (inches) are held; exactly 24 in is not.
    hold_height_in = { default = 24, max = 24, cite = "OAR 845-025-7750",
                       rules = { "us-or/waste-hold", "us-or/waste-camera" } },
    -- Business days the held waste stays under camera.
    hold_business_days = { default = 3, min = 3, type = "integer", cite = "OAR 845-025-7750",
                           rules = { "us-or/waste-hold" } },
    -- How they are counted (OAR 845-025-7750 "held ... at least 3 business
    -- days"). "elapsed": destruction allowed from the clock time of
    -- placement on the 3rd business day after the placement date (Tuesday
    -- 14:00 → Friday 14:00). "close_of_day", the stricter reading for an
    -- operator whose policy wants it: the placement day never counts and the
    -- waste is held through the close of the 3rd business day after it
    -- (Tuesday → destroyed from Saturday 00:00).
    hold_reading = "elapsed",
    -- "The same applies to waste that was once a marijuana item" (FACTS.md
    -- on 7750): waste_type "product" is held too. false = only post-harvest
    -- waste and whole plants are held.
    hold_product_waste = true,
    -- 7750 lists reason, method and exact time of destruction with the held
    -- categories; true = require them on every waste record (the reading
    -- taken), false = only on held waste.
    document_all_waste = true,

    -- Monthly report (seed 000 policy): due this many days after the last
    -- day of the period's month (15 → the 15th of the next month).
    monthly_report_days_after_month_end = 15,

    -- CTS entry of an inventory movement (policy window under OAR
    -- 845-025-7540, which sets no deadline): hours after occurred_at.
    cts_report_window_hours = 24,

    -- Metrc (edict policy, seed 000 "no more double entry"): a destroyed
    -- plant or post-harvest waste record naming its licence asks for its
    -- Metrc waste entry (metrc.lua). false: the tenant records it by hand.
    metrc_waste_entries = true,

    -- Retention (years from occurred_at's date in Oregon). retention_years is
    -- the seed 000 policy figure; statute_retention_years is OAR
    -- 845-025-1200's 3 years, kept as the legal floor: the decision keeps
    -- whichever date is later, so a tenant cannot go below the statute by
    -- lowering retention_years.
    retention_years = 7,
    statute_retention_years = { default = 3, min = 3, type = "integer", cite = "OAR 845-025-1200",
                                rules = { "us-or/retention-statute" } },
  },
  events = { "waste.recorded", "inventory.moved", "period.closed", "plant.measured",
             "plant.phase_changed" }, -- the types it decides (docs/EVENTS.md)
  rules = { "waste.lua", "hold.lua", "reports.lua", "retention.lua", "metrc.lua" },
}
