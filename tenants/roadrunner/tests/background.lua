-- tenants/roadrunner/tests/background.lua — the waiver of
-- employee-flags/background-unresolved (background checks run and
-- adjudicated by Roadrunner's DOT consortium, outside edict).
--
-- The waived rule does not run: a pending or "consider" status stays green,
-- and so does a status edict does not know (the pack would call that major,
-- "cannot be checked": the waiver covers it too, because the same rule
-- reports it). The rule id is listed in every employee.compliance
-- decision's `waivers`. The other background rules still run: an adverse
-- result recorded in edict is critical, and an employee with no background
-- record at all gets the pack's info reminder (background-missing).
-- Compare the pack fixture "pending background: minor" in
-- rules/employee-flags/tests/background.lua; the "no-overlay" fixture below
-- shows the same event for a tenant without an overlay.

-- An employee.compliance event for driver E-5301 with this background.
local function event(id, background, tenant)
  return {
    type = "employee.compliance", jurisdiction = "US-DOT", tenant = tenant,
    id = id, occurred_at = "2026-05-04T08:15:00-05:00",
    data = {
      employee_id = "E-5301",
      certs = { { kind = "CDL", expires = "2027-01-31" } },
      drug_test = { result = "negative", date = "2026-04-20" },
      background = background,
    },
  }
end

local WAIVED = { "employee-flags/background-unresolved" }

return {
  { name = "pending background: waived, green, listed in waivers",
    event = event("rr-bg-pending", { status = "pending" }),
    expect = { flag = "green", findings = {}, score = 100, waivers = WAIVED } },

  { name = "contrast: the same pending background for a tenant with no overlay is minor",
    event = event("rr-bg-pending-plain", { status = "pending" }, "no-overlay"),
    expect = { flag = "yellow", findings = WAIVED, score = 95, waivers = {} } },

  { name = "consider (consortium still adjudicating): waived, green",
    event = event("rr-bg-consider", { status = "consider" }),
    expect = { flag = "green", findings = {}, score = 100, waivers = WAIVED } },

  { name = "a status edict does not know (\"in_review\"): the same rule, so waived too",
    event = event("rr-bg-unknown", { status = "in_review" }),
    expect = { flag = "green", findings = {}, score = 100, waivers = WAIVED } },

  { name = "adverse background recorded in edict: still critical (not waived)",
    event = event("rr-bg-adverse", { status = "adverse" }),
    expect = { flag = "red", findings = { "employee-flags/background-adverse" }, score = 75,
      waivers = WAIVED, messages = { "employee E-5301" } } },

  { name = "no background record at all: the pack's info reminder still fires, green",
    event = event("rr-bg-none", nil),
    expect = { flag = "green", findings = { "employee-flags/background-missing" }, score = 100,
      waivers = WAIVED } },

  { name = "pending background and a CDL 40 days from expiry: only the certificate scores (major)",
    event = (function()
      local e = event("rr-bg-pending-cert", { status = "pending" })
      e.data.certs = { { kind = "CDL", expires = "2026-06-13" } }
      return e
    end)(),
    expect = { flag = "yellow", findings = { "employee-flags/cert-expiring" }, score = 90,
      waivers = WAIVED, messages = { "in 40 days" } } },
}
