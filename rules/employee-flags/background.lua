-- rules/employee-flags/background.lua — background check status for
-- employee.compliance (`data.background{status}`).
--
-- Operator policy, not statute: seed 001 ("Background Checks — FCRA
-- adjudication, adverse action workflows"). The FCRA governs HOW an employer
-- acts on a report (pre-adverse-action notice with a copy of the report,
-- 15 U.S.C. 1681b(b)(3) [U: not in FACTS.md, not verified here]); it does not
-- say which results disqualify, so the severities below are policy:
--   clear                → holds
--   adverse, failed      → critical (employee not cleared)
--   pending, consider    → minor ("consider" = the screening vendor's
--                          "needs review" status: adjudication outstanding)
--   unknown or no status → major ("cannot be checked")
--   no background at all → params.missing_background_severity (default info)
-- luacheck: globals rule

local POLICY = "seed 001 policy: background check adjudication (FCRA adverse-action workflow)"

local SEVERITIES = { critical = true, major = true, minor = true, info = true }

local read = require "edict.read"

local function employee(d)
  local id = d.employee_id
  if id == nil or id == "" then return "(no employee_id)" end
  return tostring(id)
end

local STATUSES = { clear = true, pending = true, consider = true, adverse = true, failed = true }

-- The background record (or nil) and its status, trimmed and read
-- case-insensitively (edict.read.enum: "Clear " is clear), or nil.
local function background(e)
  local d = e.data or {}
  local b = d.background
  if type(b) ~= "table" then return d, nil end
  return d, b, (read.enum(b.status, STATUSES))
end

rule {
  id = "employee-flags/background-adverse",
  on = "employee.compliance",
  severity = "critical",
  cite = POLICY,
  check = function(e, ctx)
    local d, _, s = background(e)
    if s ~= "adverse" and s ~= "failed" then return end
    local who = employee(d)
    return {
      message = ("background check of employee %s is %q: %s is not cleared for work; "
        .. "adjudicate and, before any adverse action, give the FCRA pre-adverse-action notice")
        :format(who, s, who),
      evidence_required = { "adjudication_record" },
      details = { employee_id = d.employee_id, status = s },
    }
  end,
}

rule {
  id = "employee-flags/background-unresolved",
  on = "employee.compliance",
  severity = "minor",
  cite = POLICY,
  check = function(e, ctx)
    local d, b, s = background(e)
    if not b or s == "clear" or s == "adverse" or s == "failed" then return end
    local who = employee(d)
    if s == "pending" or s == "consider" then
      return {
        message = ("background check of employee %s is %q: complete the adjudication and record "
          .. "clear or adverse"):format(who, s),
        evidence_required = { "adjudication_record" },
        details = { employee_id = d.employee_id, status = s },
      }
    end
    local why = b.status == nil and "no status recorded"
      or ("status %q is not one of clear, pending, consider, adverse, failed"):format(tostring(b.status))
    return {
      message = ("background check of employee %s cannot be checked: %s; record the screening result")
        :format(who, why),
      severity = "major",
      evidence_required = { "adjudication_record" },
      details = { employee_id = d.employee_id },
    }
  end,
}

rule {
  id = "employee-flags/background-missing",
  on = "employee.compliance",
  severity = "info",
  cite = "seed 001 policy: background check on record for every employee",
  check = function(e, ctx)
    local d, b = background(e)
    if b then return end
    local sev = ctx.params.missing_background_severity
    if not SEVERITIES[sev] then
      error("params.missing_background_severity must be critical, major, minor or info", 0)
    end
    return {
      message = ("employee %s has no background check on record: order one or record the existing result")
        :format(employee(d)),
      severity = sev,
      evidence_required = { "adjudication_record" },
      details = { employee_id = d.employee_id },
    }
  end,
}
