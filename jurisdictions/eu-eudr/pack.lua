-- jurisdictions/eu-eudr/pack.lua — the EU Deforestation Regulation pack:
-- Reg. (EU) 2023/1115 as amended by Reg. (EU) 2025/2650, deciding
-- dds.submitted (DDS record and its 5-year retention) and batch.verify
-- (seed 002's chain-of-custody verification: origin plots, custody
-- transfers, transformations, status and confidence).
--
-- The pack is in force from the regulation's entry into force (29 Jun 2023)
-- so that every EU event is decided; the obligations themselves start on
-- the application dates below, and an event before its operator's date is
-- decided as "not yet in force" (application.lua).
return {
  name = "eu-eudr",
  version = "2026.1",
  jurisdiction = "EU",
  title = "EU Deforestation Regulation (Reg. (EU) 2023/1115 as amended by Reg. (EU) 2025/2650)",
  effective_from = "2023-06-29", -- entry into force, OJ L 150 of 9 Jun 2023 (FACTS §5 [P])
  -- The clock of every date the pack compares (application dates, the
  -- cut-off, custody gaps, retention): Brussels, the seat of the Commission
  -- and of the EU information system; a date-only value is that day.
  zone = "Europe/Brussels",
  params = {
    -- Application dates after Reg. (EU) 2025/2650 (FACTS §5 [P/S]). An event
    -- whose occurred_at date is before its operator's date is "not yet in force".
    application_date_large_medium = "2026-12-30",
    application_date_micro_small = "2027-06-30",
    -- data.operator_size missing or not one of large|medium|small|micro:
    -- decided as this size. "large" takes the EARLIER date (the conservative
    -- reading: obligations are checked from the first day they can apply).
    default_operator_size = "large",
    -- Records kept 5 years: the DDS from its submission (Art. 4 [P]), the
    -- Art. 9 information behind a batch verification ([S]; seed 002 "5-year
    -- record retention").
    -- A statute's figure: a tenant may lengthen it, not shorten it.
    retention_years = { default = 5, min = 5, type = "integer", cite = "Reg. (EU) 2023/1115 Art. 4",
                        rules = { "eu-eudr/batch-retention", "eu-eudr/dds-retention" } },
    -- Deforestation cut-off date (Art. 2(13) [S; article number U]): forest
    -- loss detected AFTER this day means the plot is not deforestation-free.
    deforestation_cutoff = "2020-12-31",
    -- Plots of MORE than this many hectares need a polygon, not a point
    -- (EC geolocation guidance, FACTS §5 [P]); cattle excepted.
    -- A tenant may ask polygons of smaller plots, not of larger ones only.
    polygon_area_ha = { default = 4, max = 4, cite = "EC geolocation guidance (Reg. (EU) 2023/1115 Art. 9)",
                        rules = { "eu-eudr/geolocation-polygon" } },
    -- seed 002 TEMPORAL_GAP: more than custody_gap_days between consecutive
    -- transfers is a gap, minor below custody_gap_major_days, major from it.
    custody_gap_days = 30,
    custody_gap_major_days = 90,
    -- seed 002 QUANTITY_MISMATCH: |output - input × yield| > tolerance × expected.
    -- The seed gives no figure; 1 % is edict.chain's default.
    mass_balance_tolerance = 0.01,
  },
  events = { "dds.submitted", "batch.verify" }, -- the types it decides (docs/EVENTS.md)
  rules = { "application.lua", "dds.lua", "batch.lua" },
}
