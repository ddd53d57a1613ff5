-- jurisdictions/us-md/tests/plants.lua — fixtures for individual plant tags
-- at a phase change (plant.phase_changed), seed 000 policy: vegetative and
-- flowering plants need their own tag (critical without); missing, blank
-- and mistyped tags and phases; a phase outside the catalogue.

local function plant(id, over, occurred_at)
  local data = { plant_id = "P-MD-0317", phase = "vegetative", tag = "1A4FF0100000029000000317" }
  for k, v in pairs(over or {}) do
    if v == false then data[k] = nil else data[k] = v end
  end
  return {
    type = "plant.phase_changed", tenant = "bayside", id = id,
    occurred_at = occurred_at or "2026-02-16T09:15:00-05:00", data = data,
  }
end

local TAG = { "us-md/plant-tag" }

return {
  { name = "vegetative plant with its own tag: holds, kept 2 years",
    event = plant("md-p-ok"),
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2028-02-16" } },

  { name = "vegetative plant without a tag: critical",
    event = plant("md-p-veg-untagged", { tag = false }),
    expect = { flag = "red", findings = TAG, score = 75, retention_until = "2028-02-16",
               messages = { "plant P-MD-0317 entered the vegetative stage without an individual plant tag" } } },

  { name = "vegetative plant with an empty tag: critical",
    event = plant("md-p-veg-empty", { tag = "  " }),
    expect = { flag = "red", findings = TAG, score = 75 } },

  { name = "vegetative plant tagged \"N/A\": text is not a tag, critical",
    event = plant("md-p-veg-na", { tag = "N/A" }),
    expect = { flag = "red", findings = TAG, score = 75,
               messages = { "tag \"N/A\" (text) is not a Metrc tag (24 letters and digits)" } } },

  { name = "a 23-character tag: not a Metrc tag's shape, critical",
    event = plant("md-p-veg-short", { tag = "1A4FF010000002900000031" }),
    expect = { flag = "red", findings = TAG, score = 75 } },

  { name = "a tag written in lower case with spaces around it: the same label, holds",
    event = plant("md-p-veg-lower", { tag = " 1a4ff0100000029000000317 " }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "vegetative plant with a number as tag: not a plant tag, critical",
    event = plant("md-p-veg-number", { tag = 317 }),
    expect = { flag = "red", findings = TAG, score = 75, messages = { "tag is 317 (a number)" } } },

  { name = "flowering plant without a tag: should have been tagged in veg, critical",
    event = plant("md-p-flower-untagged", { phase = "flowering", tag = false }),
    expect = { flag = "red", findings = TAG, score = 75,
               messages = { "should have been tagged in the vegetative stage" } } },

  { name = "flowering plant with its tag: holds",
    event = plant("md-p-flower-ok", { phase = "Flowering" }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "no phase recorded: cannot be checked, major (not critical)",
    event = plant("md-p-no-phase", { phase = false, tag = false }),
    expect = { flag = "yellow", findings = { "us-md/plant-phase-recorded" }, score = 90 } },

  { name = "phase \"clone\" without a tag: outside the catalogue, info only",
    event = plant("md-p-clone", { phase = "clone", tag = false }),
    expect = { flag = "green", findings = { "us-md/plant-phase-recorded" }, score = 100,
               messages = { "\"clone\": not vegetative or flowering" } } },

  { name = "empty data: major for the missing phase, no Lua error, still kept 2 years",
    event = { type = "plant.phase_changed", tenant = "bayside", id = "md-p-bare",
              occurred_at = "2026-02-16T09:15:00-05:00", data = {} },
    expect = { flag = "yellow", findings = { "us-md/plant-phase-recorded" }, score = 90,
               retention_until = "2028-02-16" } },
}
