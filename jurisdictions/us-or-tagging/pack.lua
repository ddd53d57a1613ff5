-- jurisdictions/us-or-tagging/pack.lua — manifest of the us-or-tagging
-- pack, version 2024.1: Oregon plant-batch tagging FROM 2024-01-01, OAR
-- 845-025-7520(1)(c): tag each plant batch no later than when any plant
-- reaches 36 in or is flowering, whichever comes first [P].
--
-- Before 2024-01-01 version 2023.1 (jurisdictions/us-or-tagging-2023, the
-- seed's per-plant 24-in rule) decides. The 2024-01-01 date is FACTS.md's
-- [S] (CIAO batch-tagging notice): counsel list. Retention for the plant
-- events is set by the us-or pack. Rule table and readings:
-- jurisdictions/us-or/README.md.
return {
  name = "us-or-tagging",
  version = "2024.1",
  jurisdiction = "US-OR",
  title = "Oregon plant-batch tagging from 2024: OAR 845-025-7520(1)(c)",
  effective_from = "2024-01-01",
  -- Oregon's clock: the version in force is chosen by occurred_at's date
  -- here (2024-01-01T07:30:00Z is still 2023-12-31 in Oregon).
  zone = "America/Los_Angeles",
  params = {
    -- A plant at or over this height (inches), or flowering, means its
    -- batch must be tagged: exactly 36 in → required; 35.9 in → not yet.
    batch_tag_height_in = { default = 36, max = 36, cite = "OAR 845-025-7520(1)(c)" },
  },
  events = { "plant.measured", "plant.phase_changed" }, -- the types it decides (docs/EVENTS.md)
  rules = { "tagging.lua" },
}
