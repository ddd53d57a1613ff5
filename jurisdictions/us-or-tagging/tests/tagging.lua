-- jurisdictions/us-or-tagging/tests/tagging.lua — fixtures for the 2024
-- version (2024.1, OAR 845-025-7520(1)(c)): the batch is tagged once any
-- plant reaches 36 in (exactly 36 → required, 35.9 → not) or flowers
-- (flowering == true, or plant.phase_changed to flowering, at any height);
-- the plant's own tag does not replace the batch tag; missing height,
-- unreadable fields; and the version change at midnight 2023-12-31 /
-- 2024-01-01 Oregon time, the same plant data decided by each version.
-- (These fixtures run against both versions; the 2023 side is in
-- jurisdictions/us-or-tagging-2023/tests.)

local function measured(id, at, data)
  data.plant_id = data.plant_id or "PL-4102"
  data.batch_id = data.batch_id or "B-26-11"
  return { type = "plant.measured", id = id, occurred_at = at or "2026-05-14T10:00:00-07:00", data = data }
end

local function phase(id, p, data)
  data = data or {}
  data.plant_id, data.batch_id, data.phase = "PL-4102", "B-26-11", p
  return { type = "plant.phase_changed", id = id, occurred_at = "2026-05-20T08:00:00-07:00", data = data }
end

local BATCH = { "us-or-tagging/batch-tag" }
local UNCHECKED = { "us-or-tagging/batch-tag-unchecked" }
local BTAG = "1A4FF0100000022000004400"

return {
  { name = "2024: plant 40 in, batch not tagged: critical, names plant and batch",
    event = measured("t24-40", nil, { height_in = 40 }),
    expect = { flag = "red", findings = BATCH, score = 75,
      messages = { "plant PL-4102 (batch B-26-11) is 40 in tall (36 in or more) but its plant batch has no batch tag" } } },

  { name = "2024: exactly 36 in, no batch tag: critical",
    event = measured("t24-36", nil, { height_in = 36, flowering = false }),
    expect = { flag = "red", findings = BATCH, score = 75 } },

  { name = "2024: 35.9 in, not flowering, no batch tag: not yet required",
    event = measured("t24-35-9", nil, { height_in = 35.9, flowering = false }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "2024: 40 in with its batch tag: holds",
    event = measured("t24-tagged", nil, { height_in = 40, batch_tag = BTAG }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "2024: flowering at 10 in, no batch tag: critical (flowering comes first)",
    event = measured("t24-flower-10", nil, { height_in = 10, flowering = true }),
    expect = { flag = "red", findings = BATCH, score = 75, messages = { "is flowering" } } },

  { name = "2024: the plant's own tag does not replace the batch tag: critical",
    event = measured("t24-own-tag", nil, { height_in = 40, tag = "1A4FF0100000022000000101" }),
    expect = { flag = "red", findings = BATCH, score = 75,
      messages = { "the plant's own tag 1A4FF0100000022000000101 does not replace the batch tag" } } },

  { name = "2024: missing height, not flowering, no batch tag: cannot be checked, major",
    event = measured("t24-no-height", nil, { flowering = false }),
    expect = { flag = "yellow", findings = UNCHECKED, score = 90, messages = { "height_in is not recorded" } } },

  { name = "2024: missing height but flowering, no batch tag: critical all the same",
    event = measured("t24-no-height-flower", nil, { flowering = true }),
    expect = { flag = "red", findings = BATCH, score = 75 } },

  { name = "2024: missing height with a batch tag: nothing to check",
    event = measured("t24-no-height-tagged", nil, { batch_tag = BTAG }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "2024: flowering \"yes\" at 20 in: unreadable, major, no rule error",
    event = measured("t24-flower-text", nil, { height_in = 20, flowering = "yes" }),
    expect = { flag = "yellow", findings = UNCHECKED, score = 90 } },

  { name = "2024: phase changed to flowering, no height, no batch tag: critical",
    event = phase("t24-phase-flower", "flowering"),
    expect = { flag = "red", findings = BATCH, score = 75, messages = { "changed to the flowering phase" } } },

  { name = "2024: phase spelled Flowering is flowering: critical",
    event = phase("t24-phase-caps", "Flowering"),
    expect = { flag = "red", findings = BATCH, score = 75 } },

  { name = "2024: phase changed to vegetative, no batch tag yet: holds",
    event = phase("t24-phase-veg", "vegetative"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "2024: phase changed to flowering with a batch tag: holds",
    event = phase("t24-phase-tagged", "flowering", { batch_tag = BTAG }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "2024: phase_changed without a phase: cannot be checked, major",
    event = phase("t24-phase-missing", nil),
    expect = { flag = "yellow", findings = UNCHECKED, score = 90 } },

  -- the version change; same data as the 2023 side in us-or-tagging-2023/tests
  { name = "boundary: 2023-12-31 23:30 PST, flowering 26-in plant with only its own tag: old rule, holds",
    event = measured("t-edge-old-flower", "2023-12-31T23:30:00-08:00",
      { height_in = 26, flowering = true, tag = "1A4FF0100000022000000101" }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "boundary: 2024-01-01 00:10 PST, the same plant: new rule, no batch tag, critical",
    event = measured("t-edge-new-flower", "2024-01-01T00:10:00-08:00",
      { height_in = 26, flowering = true, tag = "1A4FF0100000022000000101" }),
    expect = { flag = "red", findings = BATCH, score = 75 } },

  -- the version in force goes by occurred_at's date on Oregon's clock,
  -- whatever offset it is written in (issue 16: the same instant written
  -- with Z or with -08:00 gets the same decision)
  { name = "version by Oregon's date: 2024-01-01T07:30Z is 23:30 PST on 12-31, the 2023 version: untagged 30-in plant, critical",
    event = measured("t-edge-utc", "2024-01-01T07:30:00Z", { height_in = 30 }),
    expect = { flag = "red", findings = { "us-or-tagging/plant-tag" }, score = 75 } },

  { name = "the same instant written 2023-12-31T23:30:00-08:00: the same decision",
    event = measured("t-edge-local", "2023-12-31T23:30:00-08:00", { height_in = 30 }),
    expect = { flag = "red", findings = { "us-or-tagging/plant-tag" }, score = 75 } },

  { name = "2024-01-01T08:00Z is Oregon's midnight: the 2024 version, a 30-in plant needs no batch tag yet",
    event = measured("t-edge-utc-new", "2024-01-01T08:00:00Z", { height_in = 30 }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "a zone east of UTC cannot pull the date forward: 2024-01-01T05:00+09:00 is 12-31 12:00 PST, 2023 version",
    event = measured("t-edge-tokyo", "2024-01-01T05:00:00+09:00", { height_in = 30 }),
    expect = { flag = "red", findings = { "us-or-tagging/plant-tag" }, score = 75 } },
}
