-- jurisdictions/us-ca/waste.lua — destruction and disposal of cannabis waste
-- (waste.recorded) under 4 CCR §15049(b): recorded in Metrc within 24 hours
-- of occurrence, and destruction notes that name the employee and the
-- reason.
--
-- Readings taken (see README.md, "Readings chosen"):
--   * "occurrence" is the destruction: destroyed_at when it is a full
--     timestamp (4 CCR §15049(b), "within 24 hours of the occurrence"; a
--     record written a day later does not move it), else occurred_at.
--     held_since is not used.
--   * the employee is `recorded_by` (a name, or {name, employee_id}); a
--     witness is a different person and does not stand in for it.
--   * each missing note is its own major finding (its own rule id, so a
--     tenant can see and waive them separately).
-- luacheck: globals rule

local window = require "edict.window"

local CITE = "4 CCR §15049(b)"

local function waste_name(e)
  return "waste " .. window.record(e, "waste_id")
end

-- Severity major: the catalogue (DESIGN.md) rates a late Metrc entry of a
-- destruction major. Reading: 24 h of real time after destroyed_at (else
-- occurred_at), edict.window.metrc; not recorded yet and as_of within the
-- window gives an obligation `record_in_metrc` due 24 h after it.
rule {
  id = "us-ca/waste-metrc-24h",
  on = "waste.recorded",
  severity = "major",
  cite = CITE,
  title = "Destruction or disposal recorded in Metrc within 24 hours",
  check = function(e, ctx)
    return window.metrc(e, ctx, {
      what = "destruction of " .. waste_name(e),
      window_name = "window of 4 CCR §15049(b)",
      action = "record_in_metrc",
      from_field = "destroyed_at",
    })
  end,
}

-- The employee who destroyed or disposed of the waste, from recorded_by:
-- a non-empty name, or a table with a non-empty name or employee_id.
-- Returns the name/id, or nil and why it is not usable.
local function employee_of(v)
  if window.text(v) then return window.text(v) end
  if type(v) == "table" then
    local who = window.text(v.name) or window.text(v.employee_id)
      or (math.type(v.employee_id) == "integer" and tostring(v.employee_id))
    if who then return who end
    return nil, "recorded_by names no one (no name or employee_id)"
  end
  if v == nil or type(v) == "string" then return nil, "no employee recorded (recorded_by is empty or missing)" end
  return nil, ("recorded_by is %s, not an employee's name"):format(window.show(v))
end

-- Severity major (brief and catalogue): incomplete notes are a record-keeping
-- breach of §15049(b), not an untracked product. Missing field = finding
-- (the notes are what the rule checks).
rule {
  id = "us-ca/waste-notes-employee",
  on = "waste.recorded",
  severity = "major",
  cite = CITE,
  title = "Destruction notes name the employee",
  check = function(e)
    local d = e.data or {}
    local who, why = employee_of(d.recorded_by)
    if who then return nil end
    return {
      message = ("destruction notes of %s do not name the employee who destroyed it: %s. "
        .. "Add the employee's name to the Metrc destruction notes")
        :format(waste_name(e), why),
      evidence_required = { "destruction_notes_employee" },
      details = { waste_id = d.waste_id, field = "recorded_by" },
    }
  end,
}

rule {
  id = "us-ca/waste-notes-reason",
  on = "waste.recorded",
  severity = "major",
  cite = CITE,
  title = "Destruction notes give the reason",
  check = function(e)
    local d = e.data or {}
    if window.text(d.reason) then return nil end
    local why = (d.reason == nil or type(d.reason) == "string") and "no reason recorded"
      or ("reason is %s, not a description"):format(window.show(d.reason))
    return {
      message = ("destruction notes of %s do not give the reason for the destruction: %s. "
        .. "Add the reason to the Metrc destruction notes")
        :format(waste_name(e), why),
      evidence_required = { "destruction_notes_reason" },
      details = { waste_id = d.waste_id, field = "reason" },
    }
  end,
}
