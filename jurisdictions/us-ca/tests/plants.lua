-- jurisdictions/us-ca/tests/plants.lua — fixtures for plant UIDs at a phase
-- change (plant.phase_changed): flowering (mature, canopy) plants need their
-- own tag; vegetative plants may stay in a lot under one UID; a lot tag
-- alone downgrades the finding to major; missing, blank, mistyped and
-- unknown phases and tags.

local function plant(id, over, occurred_at)
  local data = { plant_id = "P-CA-0042", phase = "flowering", tag = "1A4060300003B01000000042" }
  for k, v in pairs(over or {}) do
    if v == false then data[k] = nil else data[k] = v end
  end
  return {
    type = "plant.phase_changed", tenant = "greenleaf", id = id,
    occurred_at = occurred_at or "2026-05-04T08:30:00-07:00", data = data,
  }
end

local KEEP = "2033-05-04"
local TAG = { "us-ca/plant-tag-canopy" }

return {
  { name = "flowering plant with its own UID: holds, kept 7 years",
    event = plant("ca-p-ok"),
    expect = { flag = "green", findings = {}, score = 100, retention_until = KEEP } },

  { name = "flowering plant without any tag: critical",
    event = plant("ca-p-untagged", { tag = false }),
    expect = { flag = "red", findings = TAG, score = 75, retention_until = KEEP,
               messages = { "plant P-CA-0042 entered the flowering phase (canopy) with no UID at all" } } },

  { name = "flowering plant without its own UID but with its lot UID: major",
    event = plant("ca-p-lot-only", { tag = false, batch_tag = "1A4060300003B01000000900" }),
    expect = { flag = "yellow", findings = TAG, score = 90,
               messages = { "still carries lot UID 1A4060300003B01000000900" } } },

  { name = "flowering plant with an empty tag: critical",
    event = plant("ca-p-empty-tag", { tag = "" }),
    expect = { flag = "red", findings = TAG, score = 75 } },

  { name = "flowering plant with a number as tag: not a UID, critical",
    event = plant("ca-p-number-tag", { tag = 42 }),
    expect = { flag = "red", findings = TAG, score = 75, messages = { "tag is 42 (a number), not a Metrc tag" } } },

  { name = "flowering plant tagged \"N/A\": not a Metrc tag (24 letters and digits), critical",
    event = plant("ca-p-na", { tag = "N/A" }),
    expect = { flag = "red", findings = TAG, score = 75,
               messages = { "tag \"N/A\" (text) is not a Metrc tag (24 letters and digits)" } } },

  { name = "phase written \"Flowering\": same phase, critical without a tag",
    event = plant("ca-p-case", { phase = "Flowering", tag = false }),
    expect = { flag = "red", findings = TAG, score = 75 } },

  { name = "vegetative plant without its own tag: lawful lot tracking, holds",
    event = plant("ca-p-veg-lot", { phase = "vegetative", tag = false, batch_tag = "1A4060300003B01000000900" }),
    expect = { flag = "green", findings = {}, score = 100, retention_until = KEEP } },

  { name = "vegetative plant with no tag and no lot tag: not decided by the individual-UID rule",
    event = plant("ca-p-veg-bare", { phase = "vegetative", tag = false }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "no phase recorded: cannot be checked, major",
    event = plant("ca-p-no-phase", { phase = false, tag = false }),
    expect = { flag = "yellow", findings = { "us-ca/plant-phase-recorded" }, score = 90,
               messages = { "no phase recorded" } } },

  { name = "phase as a number: cannot be checked, major",
    event = plant("ca-p-phase-number", { phase = 2 }),
    expect = { flag = "yellow", findings = { "us-ca/plant-phase-recorded" }, score = 90,
               messages = { "phase is 2 (a number)" } } },

  { name = "unknown phase \"drying\": info only, flag stays green",
    event = plant("ca-p-drying", { phase = "drying", tag = false }),
    expect = { flag = "green", findings = { "us-ca/plant-phase-recorded" }, score = 100,
               messages = { "\"drying\": not vegetative or flowering" } } },

  { name = "no plant_id: the message names the event",
    event = plant("ca-p-no-id", { plant_id = false, tag = false }),
    expect = { flag = "red", findings = TAG, score = 75,
               messages = { "plant (no plant_id, event ca-p-no-id)" } } },

  { name = "empty data: major for the missing phase, no Lua error",
    event = { type = "plant.phase_changed", tenant = "greenleaf", id = "ca-p-bare",
              occurred_at = "2026-05-04T08:30:00-07:00", data = {} },
    expect = { flag = "yellow", findings = { "us-ca/plant-phase-recorded" }, score = 90,
               retention_until = KEEP } },
}
