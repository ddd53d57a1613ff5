-- jurisdictions/us-md/plants.lua — individual plant tags at a phase change
-- (plant.phase_changed) for Maryland.
--
-- Source, honestly: seed 000 lists for Maryland "Individual plant tags in
-- vegetative stage", and the event catalogue (DESIGN.md) makes a vegetative
-- plant without an individual tag critical. FACTS.md §3 did NOT find the MD
-- tagging trigger in COMAR 14.17, so the rule is cited as seed 000 policy
-- with COMAR 14.17 named as the chapter it belongs to, and the trigger is on
-- the counsel list in README.md.
--
-- Readings taken (README.md, "Readings chosen"):
--   * "without an individual tag" = `tag` missing, empty or blank text, not
--     text at all (a number is not a Metrc plant tag), or text that is not
--     a Metrc tag's shape ("N/A": params.plant_tag_length letters and
--     digits, 24; edict.window.metrc_tag).
--   * flowering without a tag is critical too: a plant must carry its tag
--     from the vegetative stage, and every flowering plant has been
--     vegetative, so an untagged flowering plant is the same breach, found
--     later (params.individual_tag_phases = {"vegetative", "flowering"}).
--     The other reading (only the move into vegetative is checked, the
--     flowering event being about something else) was rejected: it would
--     let an untagged plant pass silently once it flowers.
--   * other phases (clones, "immature", "drying" …) are outside the
--     catalogue's two phases and outside seed 000's statement: not decided
--     by the tag rule; an info finding says so, in case it is a typo.
-- luacheck: globals rule

local window = require "edict.window"
local read = require "edict.read"

local POLICY = "seed 000 policy: individual plant tags in vegetative stage "
  .. "(COMAR 14.17; MD tagging section not found)"

-- The event's phase, lower-cased, or nil when not usable text.
local function phase_of(d)
  local p = read.text(d.phase)
  return p and p:lower()
end

-- true when params.individual_tag_phases lists phase p.
local function needs_own_tag(ctx, p)
  return read.listed(ctx, "individual_tag_phases", p)
end

-- Severity critical: the catalogue's figure for vegetative; the same for
-- flowering (see the readings above).
rule {
  id = "us-md/plant-tag",
  on = "plant.phase_changed",
  severity = "critical",
  cite = POLICY,
  title = "Plants carry an individual tag from the vegetative stage",
  check = function(e, ctx)
    local d = e.data or {}
    local p = phase_of(d)
    if not p or not needs_own_tag(ctx, p) then return nil end
    local tag, why = window.metrc_tag(d.tag, ctx.params.plant_tag_length)
    if tag then return nil end
    local msg
    if p == "vegetative" then
      msg = "plant %s entered the %s stage without an individual plant tag (%s): "
        .. "apply a Metrc plant tag now and record it"
    else
      msg = "plant %s is in the %s stage without an individual plant tag (%s): it should "
        .. "have been tagged in the vegetative stage; tag it now, record it in Metrc and "
        .. "find out why it was not tagged earlier"
    end
    return {
      message = msg:format(window.record(e, "plant_id"), p, why),
      evidence_required = { "plant_tag" },
      details = { plant_id = d.plant_id, phase = p },
    }
  end,
}

-- Severity major when the phase is missing or not text: without it the tag
-- requirement cannot be checked. Info for a phase the pack does not know.
rule {
  id = "us-md/plant-phase-recorded",
  on = "plant.phase_changed",
  severity = "major",
  cite = POLICY,
  title = "The phase of a phase change is recorded",
  check = function(e)
    return window.phase_recorded(e, "plant tag")
  end,
}
