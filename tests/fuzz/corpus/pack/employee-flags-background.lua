-- rules/employee-flags/pack.lua — manifest of the shared employee flag pack:
-- the seed 001 workforce-compliance flag scoring for `employee.compliance`
-- events (certificate expiry alerts, drug test results, background checks).
--
-- Which requirement is law and which is operator policy:
--   * 30/60/90-day certificate alerts and green/yellow/red flags: operator
--     policy (seed 001, "Training & Certifications — 30/60/90-day expiration
--     alerts"); the thresholds are params so a tenant can move them.
--   * drug test outcomes: the categories (positive, adulterated, substituted,
--     refusal, dilute, cancelled) and what follows from them come from DOT
--     law (49 CFR 382 and 40). They bind FMCSA-regulated drivers only; for
--     every other employee the same treatment is operator policy (seed 001).
--   * background checks: operator policy (seed 001, "Background Checks —
--     FCRA adjudication, adverse action workflows").
return {
  name = "employee-flags",
  version = "2026.1",
  jurisdiction = "*", -- shared pack: applies to events of any jurisdiction
  title = "Workforce compliance flags: certificate expiry, drug tests, background checks",
  effective_from = "2020-01-01",
  params = {
    -- Lead times in days before a certificate's `expires` date. A cert with
    -- 0..major days left gives a major finding, major+1..minor a minor one,
    -- minor+1..info an info one; further out, nothing. Must be ascending.
    cert_alert_days = { major = 30, minor = 60, info = 90 },
    -- Severity when an employee has no drug test / no background check on
    -- record at all. "info" keeps the flag green (a reminder, not a breach);
    -- a tenant that requires both for every employee can raise it.
    missing_drug_test_severity = "info",
    missing_background_severity = "info",
  },
  rules = { "rules.lua" },
}
--8<--
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

local function employee(d)
  local id = d.employee_id
  if id == nil or id == "" then return "(no employee_id)" end
  return tostring(id)
end

-- The background record (or nil) and its normalised status.
local function background(e)
  local d = e.data or {}
  local b = d.background
  if type(b) ~= "table" then return d, nil end
  return d, b, type(b.status) == "string" and b.status:lower() or nil
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