-- jurisdictions/us-or-tagging-2023/tests/tagging.lua — fixtures for the
-- pre-2024 version (2023.1): each plant individually tagged once 24 in tall
-- (exactly 24 → required, 23.9 → not), flowering is no trigger, a batch tag
-- does not replace the plant's tag, missing and unreadable heights, and the
-- version change at midnight 2023-12-31/2024-01-01 Oregon time: the same
-- plant data decided by each version. (These fixtures run against both
-- versions; the 2024 side is in jurisdictions/us-or-tagging/tests.)

local function measured(id, at, data)
  data.plant_id = data.plant_id or "PL-2310"
  data.batch_id = data.batch_id or "B-23-07"
  return { type = "plant.measured", id = id, occurred_at = at or "2023-06-14T10:00:00-07:00", data = data }
end

local TAG = { "us-or-tagging/plant-tag" }
local UNCHECKED = { "us-or-tagging/plant-tag-unchecked" }

return {
  { name = "2023: plant 30 in without a tag: critical, names the plant",
    event = measured("t23-30", nil, { height_in = 30 }),
    expect = { flag = "red", findings = TAG, score = 75,
      messages = { "plant PL-2310 is 30 in tall (24 in or more) but has no individual tag" } } },

  { name = "2023: exactly 24 in without a tag: critical (24 is 'by 24 in')",
    event = measured("t23-24", nil, { height_in = 24 }),
    expect = { flag = "red", findings = TAG, score = 75 } },

  { name = "2023: 23.9 in without a tag: not yet required",
    event = measured("t23-23-9", nil, { height_in = 23.9 }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "2023: 24 in with its tag: holds",
    event = measured("t23-tagged", nil, { height_in = 24, tag = "1A4FF0100000022000000101" }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "2023: flowering at 10 in without a tag: the seed's rule is height only, holds",
    event = measured("t23-flower-10", nil, { height_in = 10, flowering = true }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "2023: a batch tag does not replace the plant's own tag at 30 in: critical",
    event = measured("t23-batch-only", nil, { height_in = 30, batch_tag = "1A4FF0100000022000000900" }),
    expect = { flag = "red", findings = TAG, score = 75,
      messages = { "batch tag 1A4FF0100000022000000900 does not replace the plant's own tag" } } },

  { name = "2023: tag recorded as a number is no tag: critical",
    event = measured("t23-tag-num", nil, { height_in = 30, tag = 101 }),
    expect = { flag = "red", findings = TAG, score = 75, messages = { "tag is an integer (101)" } } },

  { name = "2023: missing height, no tag: cannot be checked, major",
    event = measured("t23-no-height", nil, {}),
    expect = { flag = "yellow", findings = UNCHECKED, score = 90, messages = { "height_in is not recorded" } } },

  { name = "2023: height as text \"30\", no tag: major, no rule error",
    event = measured("t23-height-text", nil, { height_in = "30" }),
    expect = { flag = "yellow", findings = UNCHECKED, score = 90 } },

  { name = "2023: missing height but tagged: nothing to check",
    event = measured("t23-no-height-tagged", nil, { tag = "1A4FF0100000022000000102" }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "2023: phase changed to flowering, no height on the event: holds",
    event = { type = "plant.phase_changed", id = "t23-phase", occurred_at = "2023-09-01T08:00:00-07:00",
      data = { plant_id = "PL-2311", phase = "flowering" } },
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "2023: phase changed with an optional height_in of 26, no tag: critical",
    event = { type = "plant.phase_changed", id = "t23-phase-26", occurred_at = "2023-09-01T08:00:00-07:00",
      data = { plant_id = "PL-2311", phase = "flowering", height_in = 26 } },
    expect = { flag = "red", findings = TAG, score = 75 } },

  -- the version change; same data as the 2024 side in us-or-tagging/tests
  { name = "boundary: 2023-12-31 23:30 PST, 30-in plant with only a batch tag: old rule, critical",
    event = measured("t-edge-old-batch", "2023-12-31T23:30:00-08:00",
      { height_in = 30, batch_tag = "1A4FF0100000022000000900" }),
    expect = { flag = "red", findings = TAG, score = 75 } },

  { name = "boundary: 2024-01-01 00:10 PST, the same 30-in plant with a batch tag: new rule, holds",
    event = measured("t-edge-new-batch", "2024-01-01T00:10:00-08:00",
      { height_in = 30, batch_tag = "1A4FF0100000022000000900" }),
    expect = { flag = "green", findings = {}, score = 100 } },
}
