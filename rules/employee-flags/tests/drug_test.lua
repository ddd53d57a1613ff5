-- rules/employee-flags/tests/drug_test.lua — fixtures for drug test outcomes:
-- negative holds; positive, adulterated, substituted and refusal are
-- critical; dilute and cancelled minor; pending info; unknown or missing
-- result major; no test on record info.

local function event(id, drug_test)
  return {
    type = "employee.compliance", jurisdiction = "US-TX", tenant = "globex",
    id = id, occurred_at = "2026-03-20T14:00:00-05:00",
    data = {
      employee_id = "G-2041",
      certs = { { kind = "CDL", expires = "2027-08-31" } },
      drug_test = drug_test,
      background = { status = "clear" },
    },
  }
end

local function dt(result, date) return { result = result, date = date or "2026-03-02" } end

return {
  { name = "negative drug test holds; the decision is kept 7 years (seed 001 audit trail)",
    event = event("dt-negative", dt("negative")),
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2033-03-20" } },

  { name = "occurred_at written in UTC past Chicago's midnight: kept from the local date",
    event = { type = "employee.compliance", jurisdiction = "US-TX", tenant = "globex", id = "dt-utc",
      occurred_at = "2027-01-01T03:00:00Z",
      data = { employee_id = "G-2041", certs = { { kind = "CDL", expires = "2027-08-31" } },
               drug_test = dt("negative"), background = { status = "clear" } } },
    expect = { flag = "green", findings = {}, retention_until = "2033-12-31" } },

  { name = "positive drug test: critical",
    event = event("dt-positive", dt("positive")),
    expect = { flag = "red", findings = { "employee-flags/drug-test-positive" }, score = 75 } },

  { name = "\"Positive \" with a trailing space (as operators' systems send it): a positive test, critical",
    event = event("dt-positive-space", dt("Positive ")),
    expect = { flag = "red", findings = { "employee-flags/drug-test-positive" }, score = 75,
               messages = { "is Positive: remove G-2041" } } },

  { name = "\" negative\" with a leading space: negative, holds",
    event = event("dt-negative-space", dt(" negative")),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "result spelling is case-insensitive",
    event = event("dt-positive-caps", dt("POSITIVE")),
    expect = { flag = "red", findings = { "employee-flags/drug-test-positive" }, score = 75 } },

  { name = "positive-dilute is a positive",
    event = event("dt-positive-dilute", dt("positive-dilute")),
    expect = { flag = "red", findings = { "employee-flags/drug-test-positive" }, score = 75 } },

  { name = "adulterated specimen counts as a refusal: critical",
    event = event("dt-adulterated", dt("adulterated")),
    expect = { flag = "red", findings = { "employee-flags/drug-test-positive" }, score = 75 } },

  { name = "substituted specimen counts as a refusal: critical",
    event = event("dt-substituted", dt("substituted")),
    expect = { flag = "red", findings = { "employee-flags/drug-test-positive" }, score = 75 } },

  { name = "refusal to test: critical",
    event = event("dt-refusal", dt("refusal")),
    expect = { flag = "red", findings = { "employee-flags/drug-test-positive" }, score = 75 } },

  { name = "positive without a date is still critical",
    event = event("dt-positive-nodate", { result = "positive" }),
    expect = { flag = "red", findings = { "employee-flags/drug-test-positive" }, score = 75 } },

  { name = "dilute: minor, a recollection may be owed",
    event = event("dt-dilute", dt("dilute")),
    expect = { flag = "yellow", findings = { "employee-flags/drug-test-dilute" }, score = 95 } },

  { name = "negative-dilute: minor",
    event = event("dt-negative-dilute", dt("negative dilute")),
    expect = { flag = "yellow", findings = { "employee-flags/drug-test-dilute" }, score = 95 } },

  { name = "cancelled: minor, no result on file",
    event = event("dt-cancelled", dt("cancelled")),
    expect = { flag = "yellow", findings = { "employee-flags/drug-test-unresolved" }, score = 95 } },

  { name = "pending MRO verification: info, stays green",
    event = event("dt-pending", dt("pending")),
    expect = { flag = "green", findings = { "employee-flags/drug-test-unresolved" }, score = 100 } },

  { name = "unknown result: cannot be checked, major",
    event = event("dt-unknown", dt("inconclusive")),
    expect = { flag = "yellow", findings = { "employee-flags/drug-test-unresolved" }, score = 90 } },

  { name = "drug test without a result: cannot be checked, major",
    event = event("dt-no-result", { date = "2026-03-02" }),
    expect = { flag = "yellow", findings = { "employee-flags/drug-test-unresolved" }, score = 90 } },

  { name = "negative with an unreadable date still holds (no test-frequency rule)",
    event = event("dt-bad-date", dt("negative", "2026-02-31")),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "no drug test on record: info, stays green",
    event = event("dt-absent", nil),
    expect = { flag = "green", findings = { "employee-flags/drug-test-missing" }, score = 100 } },
}
