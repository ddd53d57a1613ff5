-- jurisdictions/us-or-tagging-2023/pack.lua — manifest of the us-or-tagging
-- pack, version 2023.1: Oregon plant tagging UNTIL 2023-12-31, the seed's
-- rule (seed 000: "24-inch plant tagging rule"): each plant carries its own
-- tag once it is 24 in tall.
--
-- From 2024-01-01 the batch-tagging rule of OAR 845-025-7520(1)(c) decides
-- instead: version 2024.1 in jurisdictions/us-or-tagging. The two windows
-- do not overlap; the version is chosen by occurred_at's date on Oregon's
-- clock, the manifest's zone (an engine rule, see jurisdictions/us-or/README.md).
--
-- Statute vs policy: FACTS.md has no text of the pre-2024 tagging rule; it
-- says batch tagging replaced per-plant tags on 1 Jan 2024 [S] and that no
-- current tagging rule uses 24 in. The 24-in figure is the seed's, kept as
-- a param (tag_height_in). Retention for the plant events is set by the
-- us-or pack. Rule table and readings: jurisdictions/us-or/README.md.
return {
  name = "us-or-tagging",
  version = "2023.1",
  jurisdiction = "US-OR",
  title = "Oregon plant tagging before 2024: each plant tagged by 24 in (seed 000)",
  effective_until = "2023-12-31",
  -- Oregon's clock: the version in force is chosen by occurred_at's date
  -- here (2024-01-01T07:30:00Z is still 2023-12-31 in Oregon).
  zone = "America/Los_Angeles",
  params = {
    -- A plant at or over this height (inches) must carry its own tag:
    -- exactly 24 in → tag required; 23.9 in → not yet.
    tag_height_in = 24,
  },
  events = { "plant.measured", "plant.phase_changed" }, -- the types it decides (docs/EVENTS.md)
  rules = { "tagging.lua" },
}
