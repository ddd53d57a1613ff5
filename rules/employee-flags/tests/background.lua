-- rules/employee-flags/tests/background.lua — fixtures for background checks,
-- records with every optional field missing, and everything wrong at once.

local function event(id, data, tenant)
  return {
    type = "employee.compliance", jurisdiction = "US-TX", tenant = tenant or "initech",
    id = id, occurred_at = "2026-05-04T08:15:00-05:00", data = data,
  }
end

local function emp(background)
  return {
    employee_id = "IN-0093",
    certs = { { kind = "FORKLIFT", expires = "2027-01-31" } },
    drug_test = { result = "negative", date = "2026-04-20" },
    background = background,
  }
end

return {
  { name = "clear background holds",
    event = event("bg-clear", emp { status = "clear" }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "\"Clear \" with a trailing space: clear, holds",
    event = event("bg-clear-space", emp { status = "Clear " }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "\" ADVERSE\" padded and upper-case: critical",
    event = event("bg-adverse-space", emp { status = " ADVERSE" }),
    expect = { flag = "red", findings = { "employee-flags/background-adverse" }, score = 75 } },

  { name = "adverse background: critical",
    event = event("bg-adverse", emp { status = "adverse" }),
    expect = { flag = "red", findings = { "employee-flags/background-adverse" }, score = 75 } },

  { name = "failed background: critical",
    event = event("bg-failed", emp { status = "Failed" }),
    expect = { flag = "red", findings = { "employee-flags/background-adverse" }, score = 75 } },

  { name = "pending background: minor",
    event = event("bg-pending", emp { status = "pending" }),
    expect = { flag = "yellow", findings = { "employee-flags/background-unresolved" }, score = 95 } },

  { name = "consider (needs adjudication): minor",
    event = event("bg-consider", emp { status = "consider" }),
    expect = { flag = "yellow", findings = { "employee-flags/background-unresolved" }, score = 95 } },

  { name = "unknown background status: cannot be checked, major",
    event = event("bg-unknown", emp { status = "suspended" }),
    expect = { flag = "yellow", findings = { "employee-flags/background-unresolved" }, score = 90 } },

  { name = "background without a status: cannot be checked, major",
    event = event("bg-no-status", emp {}),
    expect = { flag = "yellow", findings = { "employee-flags/background-unresolved" }, score = 90 } },

  { name = "no background on record: info, stays green",
    event = event("bg-absent", emp(nil)),
    expect = { flag = "green", findings = { "employee-flags/background-missing" }, score = 100 } },

  { name = "only an employee id: no certs, no drug test, no background",
    event = event("all-absent", { employee_id = "IN-0094" }),
    expect = { flag = "green", score = 100, findings = {
      "employee-flags/drug-test-missing", "employee-flags/background-missing" } } },

  { name = "everything wrong at once",
    event = event("all-wrong", {
      employee_id = "IN-0095",
      certs = { { kind = "FORKLIFT", expires = "2026-05-03" },   -- expired yesterday
                { kind = "OSHA_10", expires = "2026-05-24" } },  -- 20 days: major
      drug_test = { result = "refusal", date = "2026-04-30" },
      background = { status = "adverse" },
    }),
    expect = { flag = "red", score = 15, findings = {
      "employee-flags/cert-expired", "employee-flags/cert-expiring",
      "employee-flags/drug-test-positive", "employee-flags/background-adverse" } } },

  { name = "as_of moves the expiry check only: two weeks later the forklift cert has expired",
    event = (function()
      local e = event("as-of-later", emp { status = "clear" }, "acme")
      e.data.certs = { { kind = "FORKLIFT", expires = "2026-05-10" } }
      e.as_of = "2026-05-18T09:00:00-05:00"
      return e
    end)(),
    expect = { flag = "red", findings = { "employee-flags/cert-expired" }, score = 75 } },
}
