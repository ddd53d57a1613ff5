-- jurisdictions/us-md/pack.lua — manifest of the Maryland pack: Maryland
-- Cannabis Administration (MCA) rules, COMAR 14.17, and the operator policy
-- of seed 000 for Maryland, deciding waste.recorded, plant.phase_changed and
-- inventory.moved events of tenants licensed in Maryland.
--
-- Which requirement is law and which is operator policy (FACTS.md §3):
--   * individual plant tags from the vegetative stage: seed 000 policy
--     ("Individual plant tags in vegetative stage"). The MD tagging trigger
--     in COMAR 14.17 was NOT found; the catalogue's critical is kept.
--   * Metrc entries within 24 h: COMAR 14.17.11.03A requires "timely and
--     accurate" seed-to-sale data [P] but gives no window; the 24 h figure is
--     pack policy built on seed 000's "real-time sync encouraged". A param.
--   * electronic manifest for every shipment: COMAR 14.17.09.03E [P].
--   * micro dispensaries complete the system transfer before the move:
--     COMAR 14.17.12.03B [P].
--   * 2-year retention: seed 000 policy; no MD retention rule was found. A
--     param.
-- No effective_from: the seed policy and the COMAR sections seen carry no
-- start date in FACTS.md, so the window is left open (README.md).
return {
  name = "us-md",
  version = "2026.1",
  jurisdiction = "US-MD",
  title = "Maryland MCA cannabis track-and-trace (COMAR 14.17) and seed 000 policy",
  description = "Plant tags from the vegetative stage, timely Metrc entries, shipment manifests, micro-dispensary transfers, 2-year retention",
  -- Maryland's clock: the version in force, deadlines in obligations and
  -- messages.
  zone = "America/New_York",
  params = {
    -- Hours after occurred_at within which a move or a waste entry must be
    -- in Metrc. No MD window was found (COMAR 14.17.11.03A says "timely");
    -- 24 h is pack policy from seed 000's "real-time sync". Instant
    -- arithmetic: exactly 24 h 0 s on time, 24 h + 1 s late.
    report_window_hours = 24,
    -- Phases in which a plant must carry its own tag. Seed 000 requires it
    -- from the vegetative stage; a flowering plant has passed through it,
    -- so it must be tagged too.
    -- The shape of a Metrc plant tag: this many letters and digits (Metrc
    -- labels are 24, as 1A4FF0300000029000004150). Text of another shape
    -- ("N/A", "pending") is no tag. 0 accepts any letters and digits.
    plant_tag_length = 24,
    individual_tag_phases = { "vegetative", "flowering" },
    -- Years to keep records: seed 000's 2 years; no COMAR figure found.
    retention_years = 2,
  },
  events = { "waste.recorded", "inventory.moved", "plant.phase_changed" }, -- the types it decides (docs/EVENTS.md)
  rules = { "plants.lua", "inventory.lua", "waste.lua", "retention.lua" },
}
