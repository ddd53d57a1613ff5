-- jurisdictions/us-ca/plants.lua — plant UIDs at a phase change
-- (plant.phase_changed): a plant that turns flowering (mature, in the
-- canopy) must carry its own plant tag (UID).
--
-- What the sources say:
--   * 4 CCR §15049: everything on the premises carries a plant or package
--     tag, except plants being dried, cured, graded or trimmed [P, FACTS CA1].
--   * immature plants may be tracked in lots of up to 100 under one UID;
--     plants get individual UIDs when they enter the canopy, not at a
--     "vegetative" stage [S, FACTS CA7; CA3].
-- Readings taken (README.md, "Readings chosen"):
--   * flowering = mature = in the canopy, so "flowering" is the phase that
--     needs an individual UID (params.individual_tag_phases = {"flowering"});
--     a vegetative plant without its own tag is lawful lot tracking.
--   * flowering without an individual tag and without a lot tag: critical.
--     Nothing on the premises may be untagged [P], an untagged mature plant
--     is exactly what track-and-trace exists to prevent, and it matches the
--     catalogue's critical for Maryland's equivalent.
--   * flowering without an individual tag but with its lot UID (optional
--     extra field `batch_tag`): major. The plant is still traceable to its
--     lot, so the [P] "carries a plant tag" holds; only the individual UID
--     of the [S] canopy reading is missing.
--   * no grace period after canopy entry is applied. A secondary source
--     (FACTS CA5, "verify") reads §15049.1 as giving 3 calendar days to
--     record moving plants into the canopy and tagging them; that figure is
--     on the counsel list in README.md.
-- luacheck: globals rule

local window = require "edict.window"
local read = require "edict.read"


-- The event's phase, lower-cased, or nil when not usable text.
local function phase_of(d)
  local p = read.text(d.phase)
  return p and p:lower()
end

-- true when params.individual_tag_phases lists phase p.
local function needs_own_tag(ctx, p)
  return read.listed(ctx, "individual_tag_phases", p)
end

rule {
  id = "us-ca/plant-tag-canopy",
  on = "plant.phase_changed",
  severity = "critical", -- major when the plant still carries its lot UID
  cite = "4 CCR §15049",
  title = "Mature (flowering) plants carry an individual UID",
  check = function(e, ctx)
    local d = e.data or {}
    local p = phase_of(d)
    if not p or not needs_own_tag(ctx, p) then return nil end
    local tag, why = window.metrc_tag(d.tag, ctx.params.plant_tag_length)
    if tag then return nil end
    local plant = "plant " .. window.record(e, "plant_id")
    local lot = window.text(d.batch_tag)
    if lot then
      return {
        severity = "major",
        message = ("%s entered the %s phase (canopy) without its own UID (%s); it still carries "
          .. "lot UID %s. Apply an individual plant tag and record it in Metrc")
          :format(plant, p, why, lot),
        evidence_required = { "plant_tag" },
        details = { plant_id = d.plant_id, phase = p, batch_tag = lot },
      }
    end
    return {
      message = ("%s entered the %s phase (canopy) with no UID at all (%s, no lot tag): "
        .. "every plant on the premises must carry a tag. Tag it now and record the tag in Metrc")
        :format(plant, p, why),
      evidence_required = { "plant_tag" },
      details = { plant_id = d.plant_id, phase = p },
    }
  end,
}

-- Severity major when the phase is missing: without it the UID requirement
-- cannot be checked at all. Severity info for a phase this pack does not
-- know (a typo such as "flowring" would otherwise pass the tag check
-- silently); info leaves the flag green.
rule {
  id = "us-ca/plant-phase-recorded",
  on = "plant.phase_changed",
  severity = "major",
  cite = "4 CCR §15049",
  title = "The phase of a phase change is recorded",
  check = function(e)
    return window.phase_recorded(e, "UID")
  end,
}
