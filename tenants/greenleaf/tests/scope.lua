-- tenants/greenleaf/tests/scope.lua — which events Greenleaf decides:
-- Oregon and California only. An event of another jurisdiction is refused
-- (never decided as a pass); Oregon plant events still reach the us-or
-- tagging packs, which the overlay does not touch.

return {
  { name = "a Maryland waste event is refused: greenleaf does not use US-MD",
    event = { type = "waste.recorded", id = "gl-md-w", jurisdiction = "US-MD",
      occurred_at = "2026-03-06T10:15:00-05:00",
      data = { waste_id = "W-MD-1", weight_g = 300 } },
    expect = { refused = "tenant 'greenleaf' does not use jurisdiction 'US-MD' (its policy lists US-OR, US-CA)" } },

  { name = "a US-DOT driver event is refused too",
    event = { type = "driver.status", id = "gl-dot", jurisdiction = "US-DOT",
      occurred_at = "2026-03-10T09:00:00-05:00", data = { driver_id = "D-1" } },
    expect = { refused = "does not use jurisdiction 'US-DOT'" } },

  { name = "an Oregon plant measurement is still decided by us-or-tagging (36 in, batch tagged): holds",
    event = { type = "plant.measured", id = "gl-or-plant", jurisdiction = "US-OR",
      occurred_at = "2026-05-04T09:00:00-07:00",
      data = { plant_id = "P-778", height_in = 36, batch_tag = "1A4FF0100000022000000078" } },
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2033-05-04" } },
}
