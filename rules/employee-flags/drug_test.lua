-- rules/employee-flags/drug_test.lua — drug test outcome for
-- employee.compliance (`data.drug_test{result, date}`): the latest test on
-- record, as a snapshot.
--
-- Statute vs policy. The outcome categories and their consequences are DOT
-- law, binding FMCSA-regulated drivers (49 CFR 382, procedures in 49 CFR 40);
-- seed 001 applies the same treatment to every employee as operator policy
-- ("positive drug test → critical", red flag). Sources, with confidence as in
-- /work/shared/domain/FACTS.md:
--   * 49 CFR 382.215: no driver may perform safety-sensitive functions after
--     testing positive or adulterating/substituting a specimen. [S: eCFR copy
--     read on lawstack; not in FACTS.md]
--   * 49 CFR 40.191(b): a verified adulterated or substituted result IS a
--     refusal to test; 382.211 forbids refusals. [S: 40.191 copies read;
--     FACTS.md §4 only lists them together in 382.705's MRO reporting duty]
--   * 49 CFR 382.217: after a positive, adulterated, substituted result or a
--     refusal, no CMV driving until the return-to-duty process of 49 CFR 40
--     subpart O is complete. [S: eCFR copy read; subpart O contents U]
--   * 49 CFR 40.155(c)/40.197: a dilute result must be acted on by the
--     employer; a negative-dilute with creatinine 2–5 mg/dL needs an immediate
--     recollection under direct observation. [S: 40.155 read; 40.197 U]
--   * 49 CFR 40.207: a cancelled test is neither positive nor negative; a new
--     collection is needed where a negative result is required. [U]
-- Reporting the violation to the Clearinghouse (382.705) is the us-dot
-- pack's business, not this one's.
--
-- Severities chosen here (operator policy, documented in RULES.md):
--   positive, positive-dilute, adulterated, substituted, refusal → critical
--   dilute / negative-dilute → minor (a recollection may be owed)
--   cancelled / invalid → minor (no usable result on file)
--   pending (awaiting MRO verification) → info (normal workflow; stays green)
--   a result this pack does not know, or none → major ("cannot be checked")
--   no drug_test at all → params.missing_drug_test_severity (default info)
-- The test's `date` only appears in messages; an unreadable date is named as
-- such but is not a finding by itself (no test-frequency rule here).
-- luacheck: globals rule

local time = require "edict.time"
local read = require "edict.read"

local SEVERITIES = { critical = true, major = true, minor = true, info = true }

-- result spelling → category
local CATEGORY = {
  negative = "negative",
  positive = "positive", positive_dilute = "positive",
  adulterated = "refusal", substituted = "refusal",
  refusal = "refusal", refused = "refusal", refusal_to_test = "refusal",
  dilute = "dilute", negative_dilute = "dilute",
  cancelled = "cancelled", canceled = "cancelled", invalid = "cancelled",
  pending = "pending",
}

local function employee(d)
  local id = d.employee_id
  if id == nil or id == "" then return "(no employee_id)" end
  return tostring(id)
end

-- The drug test on record (or nil), its normalised result ("positive-dilute"
-- and "Positive Dilute" read as positive_dilute) and its category.
local function drug_test(e)
  local d = e.data or {}
  local t = d.drug_test
  if type(t) ~= "table" then return d, nil end
  -- trimmed and case-insensitive (edict.read): "Positive " is positive
  local s = read.text(t.result)
  if not s then return d, t end
  local r = s:lower():gsub("[%s%-]+", "_")
  return d, t, r, CATEGORY[r]
end

-- How a message names the test's date.
local function dated(t)
  if time.valid(t.date) then return "dated " .. time.date(t.date) end
  if t.date == nil then return "(date not recorded)" end
  return ("(date %q unreadable)"):format(tostring(t.date))
end

rule {
  id = "employee-flags/drug-test-positive",
  on = "employee.compliance",
  severity = "critical",
  cite = "49 CFR 382.215; 49 CFR 40.191(b) and 382.211 (adulterated/substituted = refusal); "
    .. "49 CFR 382.217; seed 001 policy for employees outside FMCSA rules",
  check = function(e, ctx)
    local d, t, r, cat = drug_test(e)
    if cat ~= "positive" and cat ~= "refusal" then return end
    local who, when = employee(d), dated(t)
    local what = cat == "positive" and ("is %s"):format(read.text(t.result))
      or r:match("^refus") and "was refused"
      or ("is %s, which counts as a refusal to test (49 CFR 40.191(b))"):format(read.text(t.result))
    return {
      message = ("drug test %s of employee %s %s: remove %s from safety-sensitive duty now; "
        .. "return only after SAP evaluation and a negative return-to-duty test")
        :format(when, who, what, who),
      evidence_required = { "sap_evaluation", "negative_return_to_duty_test" },
      details = { employee_id = d.employee_id, result = r },
    }
  end,
}

rule {
  id = "employee-flags/drug-test-dilute",
  on = "employee.compliance",
  severity = "minor",
  cite = "49 CFR 40.197; 49 CFR 40.155(c)",
  check = function(e, ctx)
    local d, t, r, cat = drug_test(e)
    if cat ~= "dilute" then return end
    local when = dated(t)
    return {
      message = ("drug test %s of employee %s is %s: follow the MRO's direction under 49 CFR 40.197 "
        .. "(immediate directly observed recollection when creatinine was 2-5 mg/dL) and record the new result")
        :format(when, employee(d), read.text(t.result)),
      evidence_required = { "recollection_result" },
      details = { employee_id = d.employee_id, result = r },
    }
  end,
}

rule {
  id = "employee-flags/drug-test-unresolved",
  on = "employee.compliance",
  severity = "minor",
  cite = "49 CFR 40.207 (cancelled tests); seed 001 policy: drug test results verified by the MRO",
  check = function(e, ctx)
    local d, t, r, cat = drug_test(e)
    if not t or cat == "negative" or cat == "positive" or cat == "refusal" or cat == "dilute" then
      return
    end
    local who, when = employee(d), dated(t)
    if cat == "cancelled" then
      return {
        message = ("drug test %s of employee %s was %s, so no result is on file: collect a new specimen "
          .. "where a negative result is required"):format(when, who, read.text(t.result)),
        evidence_required = { "new_test_result" },
        details = { employee_id = d.employee_id, result = r },
      }
    elseif cat == "pending" then
      return {
        message = ("drug test %s of employee %s is pending MRO verification: record the verified result")
          :format(when, who),
        severity = "info",
        evidence_required = { "verified_test_result" },
        details = { employee_id = d.employee_id, result = r },
      }
    end
    local why = t.result == nil and "no result recorded"
      or ("result %q is not one of negative, positive, adulterated, substituted, refusal, dilute, "
        .. "cancelled, pending"):format(tostring(t.result))
    return {
      message = ("drug test %s of employee %s cannot be checked: %s; record the MRO's verified result")
        :format(when, who, why),
      severity = "major",
      evidence_required = { "verified_test_result" },
      details = { employee_id = d.employee_id },
    }
  end,
}

rule {
  id = "employee-flags/drug-test-missing",
  on = "employee.compliance",
  severity = "info",
  cite = "seed 001 policy: drug & alcohol testing on record for every employee",
  check = function(e, ctx)
    local d, t = drug_test(e)
    if t then return end
    local sev = ctx.params.missing_drug_test_severity
    if not SEVERITIES[sev] then
      error("params.missing_drug_test_severity must be critical, major, minor or info", 0)
    end
    return {
      message = ("employee %s has no drug test on record: record the latest verified result")
        :format(employee(d)),
      severity = sev,
      evidence_required = { "verified_test_result" },
      details = { employee_id = d.employee_id },
    }
  end,
}
