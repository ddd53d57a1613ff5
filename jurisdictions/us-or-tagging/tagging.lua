-- jurisdictions/us-or-tagging/tagging.lua — Oregon plant-batch tagging from
-- 2024-01-01 (version 2024.1), OAR 845-025-7520(1)(c): each plant batch is
-- tagged no later than when any plant reaches 36 in or is flowering,
-- whichever comes first; for plant.measured and plant.phase_changed.
--
-- Reading taken:
--   * the event is about one plant; its batch must carry a batch tag
--     (`batch_tag`) once this plant is 36 in or more (exactly 36 → required,
--     35.9 → not yet; params.batch_tag_height_in) or is flowering
--     (plant.measured flowering == true, or plant.phase_changed to phase
--     "flowering", at any height).
--   * only batch_tag satisfies it; the plant's individual `tag` (the
--     pre-2024 practice) does not replace the batch tag.
--   * when the trigger cannot be judged and there is no batch tag →
--     major ("cannot be checked", us-or-tagging/batch-tag-unchecked):
--     plant.measured without a readable height_in that is not flowering,
--     a flowering field that is not true/false, a phase_changed whose phase
--     is not vegetative or flowering. A batch-tagged plant needs nothing.
-- luacheck: globals rule

local read = require "edict.read"

local CITE = "OAR 845-025-7520(1)(c)"
local EVENTS = { "plant.measured", "plant.phase_changed" }

-- Reading input: edict.read (trimmed text, identifiers, values described
-- for messages).
local text, describe, ident = read.text, read.describe, read.ident

-- "plant PL-1 (batch B-9)" for messages.
local function who(d)
  local b = ident(d.batch_id)
  return ("plant %s%s"):format(ident(d.plant_id) or "(no plant_id)",
    b and (" (batch %s)"):format(b) or " (no batch_id)")
end

local function limit(ctx)
  local v = ctx.params.batch_tag_height_in
  if type(v) ~= "number" or not (v > 0) then
    error(("params.batch_tag_height_in must be a number > 0 (got %s)"):format(tostring(v)), 0)
  end
  return v
end

-- "due" and why, "unknown" and why, or "not_due" for the event's plant.
local function trigger(e, ctx)
  local d = e.data or {}
  local lim = limit(ctx)
  local h = d.height_in
  local height = type(h) == "number" and h >= 0 and h < math.huge and h or nil
  local phase = text(d.phase) and text(d.phase):lower() or nil
  local due, unknown = {}, {}
  if height and height >= lim then
    due[#due + 1] = ("is %g in tall (%g in or more)"):format(height, lim)
  end
  if d.flowering == true then
    due[#due + 1] = "is flowering"
  end
  if e.type == "plant.phase_changed" and phase == "flowering" then
    due[#due + 1] = "changed to the flowering phase"
  end
  if #due > 0 then return "due", table.concat(due, " and "), height end

  if d.flowering ~= nil and type(d.flowering) ~= "boolean" then
    unknown[#unknown + 1] = ("flowering is %s, not true or false"):format(describe(d.flowering))
  end
  if e.type == "plant.measured" then
    if not height then unknown[#unknown + 1] = ("height_in is %s"):format(describe(h)) end
  else
    if h ~= nil and not height then unknown[#unknown + 1] = ("height_in is %s"):format(describe(h)) end
    if phase ~= "vegetative" then
      unknown[#unknown + 1] = ("phase is %s, not vegetative or flowering"):format(describe(d.phase))
    end
  end
  if #unknown > 0 then return "unknown", table.concat(unknown, "; ") end
  return "not_due"
end

-- The batch tag is due and missing → critical: plants past the trigger
-- outside CTS's tag tracking (7520 tagging failures are untracked product).
rule {
  id = "us-or-tagging/batch-tag",
  on = EVENTS,
  severity = "critical",
  cite = CITE,
  check = function(e, ctx)
    local d = e.data or {}
    if text(d.batch_tag) then return end
    local state, why, h = trigger(e, ctx)
    if state ~= "due" then return end
    local note = d.batch_tag ~= nil and (" (batch_tag is %s)"):format(describe(d.batch_tag))
      or text(d.tag) and (" (the plant's own tag %s does not replace the batch tag)"):format(text(d.tag))
      or ""
    return {
      message = ("%s %s but its plant batch has no batch tag%s; tag the batch now: a plant batch "
        .. "is tagged no later than when any plant reaches %g in or flowers"):format(
        who(d), why, note, limit(ctx)),
      evidence_required = { "batch_tag" },
      details = { plant_id = d.plant_id, batch_id = d.batch_id, height_in = h,
        flowering = d.flowering == true or nil, phase = text(d.phase),
        batch_tag_height_in = limit(ctx) },
    }
  end,
}

-- No batch tag and the trigger cannot be judged → major, so the plant is
-- measured (or its flowering recorded) or the batch tagged.
rule {
  id = "us-or-tagging/batch-tag-unchecked",
  on = EVENTS,
  severity = "major",
  cite = CITE,
  check = function(e, ctx)
    local d = e.data or {}
    if text(d.batch_tag) then return end
    local state, why = trigger(e, ctx)
    if state ~= "unknown" then return end
    return {
      message = ("%s has no batch tag and whether one is due (%g in or flowering) cannot be told: "
        .. "%s; record the plant's height and flowering state, or tag the batch"):format(
        who(d), limit(ctx), why),
      evidence_required = { "plant_height" },
      details = { plant_id = d.plant_id, batch_id = d.batch_id, batch_tag_height_in = limit(ctx) },
    }
  end,
}
