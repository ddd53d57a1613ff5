-- tenants/greenleaf/waste.lua — Greenleaf's own waste rule: a manager signs
-- off every waste event over 5,000 g (greenleaf SOP WM-4, internal policy),
-- in Oregon and California alike.
--
-- This is company policy, not law: neither OAR 845-025-7750 nor 4 CCR
-- §15049 asks for a manager. It is a control against diversion: a large
-- waste event is where product most easily goes missing, so a second,
-- senior person confirms the weight and the destruction plan.
--
-- The threshold is Greenleaf's own param (policy.lua, params.greenleaf
-- .signoff_over_g), reviewed like any other SOP change.
-- luacheck: globals rule

local SOP = "greenleaf SOP WM-4 (internal policy)"

-- Waste strictly heavier than params.signoff_over_g (grams) needs the
-- sign-off: at 5000, exactly 5,000 g does not, 5,000.5 g and 5,001 g do.
local function threshold(ctx)
  local g = ctx.params.signoff_over_g
  if type(g) ~= "number" or not (g >= 0) then
    error("params.signoff_over_g must be a number of grams >= 0", 0)
  end
  return g
end

-- Reading input: edict.read (trimmed text, identifiers, values described
-- for messages), as the packs do.
local read = require "edict.read"
local text, ident, describe = read.text, read.ident, read.describe

-- The weight in grams when it is a readable, finite number >= 0, else nil.
local function weight_of(d)
  local w = d.weight_g
  if type(w) == "number" and w >= 0 and w < math.huge then return w end
  return nil
end

-- A gram figure for messages: 5001 → "5001", 5000.5 → "5000.5".
local function grams(n)
  return ("%g"):format(n)
end

-- The manager sign-off: name and employee id (each nil when not usable).
-- A sign-off written as plain text is read as the manager's name.
local function signoff_of(d)
  local a = d.manager_approval
  if type(a) == "string" then return text(a), nil end
  if type(a) ~= "table" then return nil, nil end
  return text(a.name), ident(a.employee_id)
end

-- Readings (see README.md):
--   * "over 5,000 g" is strict: weight_g > 5000. The weight is the
--     catalogue's weight_g, in grams, as recorded.
--   * no sign-off at all over the threshold → major: an SOP breach on the
--     events with the most product at stake, but not a breach of state
--     law, so not critical. A manager_approval that is not an object or
--     text, or an object naming no one, is no sign-off.
--   * a sign-off that names the manager but not their employee_id, or
--     gives only the employee_id → minor: someone signed, the record of who
--     is incomplete (WM-4 asks for both). Plain text is read as a name.
--   * weight_g missing or unreadable (text, negative, a list) → minor: it
--     cannot be told whether the sign-off was needed. A complete sign-off
--     settles it either way, so then nothing is reported.
rule {
  id = "greenleaf/waste-weight-signoff",
  title = "Waste over 5,000 g signed off by a manager",
  on = "waste.recorded",
  severity = "major",
  cite = SOP,
  check = function(e, ctx)
    local limit = threshold(ctx)
    local d = e.data or {}
    local waste = ident(d.waste_id) or ("(no waste_id, event %s)"):format(tostring(e.id))
    local w = weight_of(d)
    if w and w <= limit then return end
    local name, emp = signoff_of(d)
    if name and emp then return end

    if not w then
      return {
        message = ("waste %s: weight_g is %s, so it cannot be told whether the waste is over "
          .. "%d g and needs a manager's sign-off; record the weight in grams, or have a "
          .. "manager sign off (manager_approval name and employee_id) before destruction")
          :format(waste, describe(d.weight_g), limit),
        severity = "minor",
        evidence_required = { "waste_weight", "manager_signoff" },
        details = { waste_id = d.waste_id, threshold_g = limit },
      }
    end

    local details = { waste_id = d.waste_id, weight_g = w, threshold_g = limit,
      manager_name = name, manager_employee_id = emp }
    if not name and not emp then
      local why = d.manager_approval == nil and "no manager sign-off is recorded"
        or ("manager_approval is %s, which names no manager"):format(describe(d.manager_approval))
      return {
        message = ("waste %s weighs %s g, over %d g: %s; have a manager check the "
          .. "weight and sign off (manager_approval name and employee_id) before it is destroyed"):format(waste, grams(w), limit, why),
        evidence_required = { "manager_signoff" },
        details = details,
      }
    end
    local missing = name and "the manager's employee_id" or "the manager's name"
    return {
      message = ("waste %s weighs %s g, over %d g: the manager sign-off (%s) does not record "
        .. "%s; complete manager_approval with both name and employee_id")
        :format(waste, grams(w), limit, name or emp, missing),
      severity = "minor",
      evidence_required = { "manager_signoff" },
      details = details,
    }
  end,
}
