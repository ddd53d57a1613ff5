-- jurisdictions/us-ca/pack.lua — manifest of the California pack: DCC
-- track-and-trace rules (4 CCR div. 19) for waste.recorded, inventory.moved
-- and plant.phase_changed events of tenants licensed in California.
--
-- Which requirement is law and which is a figure to confirm:
--   * 24-hour Metrc recording of destruction/disposal and of inventory
--     movements, destruction notes naming the employee and the reason:
--     4 CCR §15049(b), primary text seen (FACTS CA1), in effect since
--     2022-11-07, hence this version's effective_from.
--   * individual plant UIDs once plants enter the canopy (flowering = mature):
--     4 CCR §15049 "everything on the premises carries a plant or package
--     tag" [P CA1]; "individual tags on entering canopy, immature plants in
--     lots of up to 100" is secondary (FACTS CA7, CA3).
--   * 7-year retention: legacy CDFA 3 CCR §8400 [P CA6]; the DCC section
--     (4 CCR §15037) is believed to match but was not seen [U]: a param,
--     listed in README.md under "Figures to confirm with counsel".
return {
  name = "us-ca",
  version = "2026.1",
  jurisdiction = "US-CA",
  title = "California DCC cannabis track-and-trace (4 CCR div. 19)",
  description = "Metrc 24-hour recording (4 CCR §15049(b)), destruction notes, plant UIDs in the canopy, 7-year retention",
  effective_from = "2022-11-07", -- §15049(b) as amended, in effect since 7 Nov 2022 (FACTS CA1)
  -- California's clock: the version in force, deadlines in obligations and
  -- messages. The window itself is measured in real elapsed time.
  zone = "America/Los_Angeles",
  params = {
    -- Hours after occurred_at within which the activity must be in Metrc
    -- (4 CCR §15049(b): "within 24 hours"). Instant arithmetic: exactly
    -- 24 h 0 s is on time, 24 h + 1 s is late, whatever the DST change.
    -- The statute's figure: a tenant may shorten it, not lengthen it.
    report_window_hours = { default = 24, max = 24, cite = "4 CCR §15049(b)",
                            rules = { "us-ca/waste-metrc-24h", "us-ca/inventory-metrc-24h" } },
    -- Phases in which a plant must carry its own UID (plant tag). Immature
    -- (vegetative) plants may be tracked in lots of up to 100 under one UID,
    -- so only the mature, flowering phase is listed.
    -- The shape of a Metrc plant tag: this many letters and digits (Metrc
    -- labels are 24, as 1A4FF0300000029000004150). Text of another shape
    -- ("N/A", "pending") is no tag. 0 accepts any letters and digits.
    plant_tag_length = 24,
    individual_tag_phases = { "flowering" },
    -- Years to keep records: 7 per legacy 3 CCR §8400 [P]; 4 CCR §15037 [U].
    retention_years = 7,
  },
  events = { "waste.recorded", "inventory.moved", "plant.phase_changed" }, -- the types it decides (docs/EVENTS.md)
  rules = { "waste.lua", "inventory.lua", "plants.lua", "retention.lua" },
}
