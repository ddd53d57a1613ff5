-- jurisdictions/us-or-tagging-2023/tagging.lua — Oregon plant tagging until
-- 2023-12-31 (version 2023.1): each plant carries its own tag (`tag`) once
-- it is params.tag_height_in (24) inches tall, for plant.measured and
-- plant.phase_changed.
--
-- Reading taken (the seed's rule, seed 000 "24-inch plant tagging rule";
-- the pre-2024 OAR text is not in FACTS.md):
--   * the trigger is height only: height_in >= 24 (exactly 24 → tag
--     required, 23.9 → not yet). Flowering is NOT a trigger in this
--     version (the seed names none; counsel list).
--   * only the plant's own `tag` satisfies it; a batch_tag does not.
--   * plant.measured without a readable height_in, and no tag, cannot be
--     checked → major (us-or-tagging/plant-tag-unchecked). A tagged plant
--     needs no height. plant.phase_changed carries no height in the
--     catalogue: an optional height_in is used when given; without one the
--     event triggers nothing here.
-- luacheck: globals rule

local read = require "edict.read"

local CITE = "seed 000 policy: 24-inch plant tagging rule"
local EVENTS = { "plant.measured", "plant.phase_changed" }

-- Reading input: edict.read (trimmed text, values described for messages).
local text, describe, ident = read.text, read.describe, read.ident

local function plant(d)
  return ident(d.plant_id) or "(no plant_id)"
end

local function limit(ctx)
  local v = ctx.params.tag_height_in
  if type(v) ~= "number" or not (v > 0) then
    error(("params.tag_height_in must be a number > 0 (got %s)"):format(tostring(v)), 0)
  end
  return v
end

-- "due" and why, "unknown" and why, or "not_due" for the event's plant.
local function trigger(e, ctx)
  local d = e.data or {}
  local lim = limit(ctx)
  local h = d.height_in
  if type(h) == "number" and h >= 0 and h < math.huge then
    if h >= lim then
      return "due", ("is %g in tall (%g in or more)"):format(h, lim), h
    end
    return "not_due"
  end
  if e.type == "plant.phase_changed" and h == nil then return "not_due" end
  return "unknown", ("height_in is %s"):format(describe(h))
end

-- Each plant individually tagged once it reaches 24 in: a plant at or over
-- the height without a tag → critical (an untracked plant, the seed's
-- severity for tagging failures).
rule {
  id = "us-or-tagging/plant-tag",
  on = EVENTS,
  severity = "critical",
  cite = CITE,
  check = function(e, ctx)
    local d = e.data or {}
    if text(d.tag) then return end
    local state, why, h = trigger(e, ctx)
    if state ~= "due" then return end
    local note = d.tag ~= nil and (" (tag is %s)"):format(describe(d.tag))
      or text(d.batch_tag) and (" (batch tag %s does not replace the plant's own tag)"):format(text(d.batch_tag))
      or ""
    return {
      message = ("plant %s %s but has no individual tag%s; tag it now: before 2024 each plant "
        .. "was tagged by %g in"):format(plant(d), why, note, limit(ctx)),
      evidence_required = { "plant_tag" },
      details = { plant_id = d.plant_id, batch_id = d.batch_id, height_in = h,
        tag_height_in = limit(ctx) },
    }
  end,
}

-- An untagged plant whose height cannot be read: whether it needed a tag
-- cannot be told → major ("cannot be checked"), so it is measured.
rule {
  id = "us-or-tagging/plant-tag-unchecked",
  on = EVENTS,
  severity = "major",
  cite = CITE,
  check = function(e, ctx)
    local d = e.data or {}
    if text(d.tag) then return end
    local state, why = trigger(e, ctx)
    if state ~= "unknown" then return end
    return {
      message = ("plant %s has no individual tag and its height cannot be read (%s), so whether it "
        .. "needs one (%g in or more) cannot be told; measure it, or tag it"):format(
        plant(d), why, limit(ctx)),
      evidence_required = { "plant_height" },
      details = { plant_id = d.plant_id, batch_id = d.batch_id, tag_height_in = limit(ctx) },
    }
  end,
}
