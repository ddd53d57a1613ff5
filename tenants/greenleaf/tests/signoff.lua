-- tenants/greenleaf/tests/signoff.lua — Greenleaf's own rule
-- greenleaf/waste-weight-signoff (SOP WM-4): waste over 5,000 g needs a
-- manager's sign-off, manager_approval {name, employee_id}.
--
-- Edges: exactly 5,000 g (no sign-off needed) against 5,000.5 g and
-- 5,001 g (needed); a complete, a partial, an empty and a mistyped
-- sign-off; a missing or unreadable weight; Oregon and California records;
-- and a tenant without an overlay, for which the rule does not exist.
--
-- Oregon records are otherwise complete and lawful for Greenleaf (two
-- photos, witness, held and destroyed as the us-or fixtures do), California
-- records are the us-ca complete record entered in Metrc 3 h later, so only
-- the sign-off rule can fire.

local SHA_A = ("a1"):rep(32)
local SHA_B = ("b2"):rep(32)
local NONE = {} -- marks a field to leave out

local MANAGER = { name = "Dana Kim", employee_id = "M-12" }

local function or_waste(id, over, tenant)
  local d = {
    waste_id = "W-2040", weight_g = 1200, waste_type = "plant", whole_plant_height_in = 30,
    reason = "failed pesticide test, whole harvest lot", method = "compost with 50% soil",
    held_since = "2026-03-02T09:00:00-08:00", camera_covered = true,
    destroyed_at = "2026-03-06T10:00:00-08:00",
    witness = { name = "J. Doe", employee_id = "E-7" }, recorded_by = "E-3",
    photos = { { sha256 = SHA_A }, { sha256 = SHA_B } },
  }
  for k, v in pairs(over or {}) do
    if v == NONE then d[k] = nil else d[k] = v end
  end
  return { type = "waste.recorded", id = id, tenant = tenant, jurisdiction = "US-OR",
    occurred_at = "2026-03-06T10:15:00-08:00", data = d }
end

local function ca_waste(id, over)
  local d = {
    waste_id = "W-CA-2040", weight_g = 850, waste_type = "plant",
    method = "ground and mixed with soil", reason = "failed pesticide test",
    recorded_by = { name = "Maria Lopez", employee_id = "E-204" },
    witness = { name = "Sam Ortiz", employee_id = "E-311" },
    metrc_reported_at = "2026-06-10T13:00:00-07:00",
  }
  for k, v in pairs(over or {}) do
    if v == NONE then d[k] = nil else d[k] = v end
  end
  return { type = "waste.recorded", id = id, jurisdiction = "US-CA",
    occurred_at = "2026-06-10T10:00:00-07:00", data = d }
end

local SIGNOFF = { "greenleaf/waste-weight-signoff" }

return {
  -- the threshold ----------------------------------------------------------
  { name = "1,200 g without sign-off: holds (under the threshold)",
    event = or_waste("gl-so-1200"),
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2033-03-06" } },

  { name = "exactly 5,000 g without sign-off: holds (not over 5,000 g)",
    event = or_waste("gl-so-5000", { weight_g = 5000 }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "5,001 g without sign-off: major, names the waste and the weight",
    event = or_waste("gl-so-5001", { weight_g = 5001 }),
    expect = { flag = "yellow", findings = SIGNOFF, score = 90,
      messages = { "waste W-2040 weighs 5001 g, over 5000 g: no manager sign-off is recorded" } } },

  { name = "5,000.5 g without sign-off: major (a fraction over counts)",
    event = or_waste("gl-so-5000.5", { weight_g = 5000.5 }),
    expect = { flag = "yellow", findings = SIGNOFF, score = 90, messages = { "weighs 5000.5 g" } } },

  { name = "5,001 g with a complete manager sign-off: holds",
    event = or_waste("gl-so-5001-ok", { weight_g = 5001, manager_approval = MANAGER }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "18 kg with a complete manager sign-off (employee id as a number): holds",
    event = or_waste("gl-so-18kg-ok", { weight_g = 18000,
      manager_approval = { name = "Dana Kim", employee_id = 12 } }),
    expect = { flag = "green", findings = {}, score = 100 } },

  -- what counts as a sign-off ---------------------------------------------
  { name = "sign-off with a name but no employee_id: minor",
    event = or_waste("gl-so-name-only", { weight_g = 7500, manager_approval = { name = "Dana Kim" } }),
    expect = { flag = "yellow", findings = SIGNOFF, score = 95,
      messages = { "the manager sign-off (Dana Kim) does not record the manager's employee_id" } } },

  { name = "sign-off with an employee_id but no name: minor",
    event = or_waste("gl-so-id-only", { weight_g = 7500, manager_approval = { employee_id = "M-12" } }),
    expect = { flag = "yellow", findings = SIGNOFF, score = 95,
      messages = { "the manager sign-off (M-12) does not record the manager's name" } } },

  { name = "sign-off written as plain text: read as a name, no employee_id: minor",
    event = or_waste("gl-so-text", { weight_g = 7500, manager_approval = "Dana Kim" }),
    expect = { flag = "yellow", findings = SIGNOFF, score = 95 } },

  { name = "sign-off with a blank name and no id names no one: major",
    event = or_waste("gl-so-blank", { weight_g = 7500, manager_approval = { name = "  " } }),
    expect = { flag = "yellow", findings = SIGNOFF, score = 90,
      messages = { "manager_approval is an object, which names no manager" } } },

  { name = "sign-off as true is not a sign-off: major, no rule error",
    event = or_waste("gl-so-bool", { weight_g = 7500, manager_approval = true }),
    expect = { flag = "yellow", findings = SIGNOFF, score = 90,
      messages = { "manager_approval is a boolean (true)" } } },

  -- weight missing or unreadable --------------------------------------------
  { name = "no weight_g and no sign-off: minor, cannot tell whether it was needed",
    event = or_waste("gl-so-no-weight", { weight_g = NONE }),
    expect = { flag = "yellow", findings = SIGNOFF, score = 95,
      messages = { "waste W-2040: weight_g is not recorded" } } },

  { name = "weight_g as text (\"6000\"): unreadable, minor",
    event = or_waste("gl-so-weight-text", { weight_g = "6000" }),
    expect = { flag = "yellow", findings = SIGNOFF, score = 95, messages = { "weight_g is \"6000\"" } } },

  { name = "negative weight_g: unreadable, minor",
    event = or_waste("gl-so-weight-neg", { weight_g = -5 }),
    expect = { flag = "yellow", findings = SIGNOFF, score = 95 } },

  { name = "no weight_g but a complete sign-off: holds (the sign-off settles it)",
    event = or_waste("gl-so-no-weight-ok", { weight_g = NONE, manager_approval = MANAGER }),
    expect = { flag = "green", findings = {}, score = 100 } },

  -- California: the rule applies in both states ------------------------------
  { name = "CA 7,500 g without sign-off: major, alongside a lawful us-ca record",
    event = ca_waste("gl-so-ca-7500", { weight_g = 7500 }),
    expect = { flag = "yellow", findings = SIGNOFF, score = 90, obligations = {},
      retention_until = "2033-06-10", messages = { "waste W-CA-2040 weighs 7500 g" } } },

  { name = "CA 7,500 g with a complete sign-off: holds",
    event = ca_waste("gl-so-ca-7500-ok", { weight_g = 7500, manager_approval = MANAGER }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  -- and only for Greenleaf ----------------------------------------------------
  { name = "contrast: 7,500 g without sign-off for a tenant with no overlay: holds (no such rule)",
    event = or_waste("gl-so-plain", { weight_g = 7500, photos = { { sha256 = SHA_A } } }, "no-overlay"),
    expect = { flag = "green", findings = {}, score = 100 } },

  -- everything Greenleaf tightens, at once ---------------------------------------
  { name = "OR 6,000 g, one photo, no sign-off: critical photo + major sign-off, score 65",
    event = or_waste("gl-so-both", { weight_g = 6000, photos = { { sha256 = SHA_A } } }),
    expect = { flag = "red", findings = { "us-or/waste-photo", "greenleaf/waste-weight-signoff" },
      score = 65 } },
}
