-- tenants/roadrunner/tests/scope.lua — which events Roadrunner decides: US-DOT
-- only. The shared employee-flags pack applies to every tenant, but the
-- tenant's jurisdiction list is checked first: an employee.compliance event
-- must come in as US-DOT. One tagged with a state (US-TX, where the
-- employee is based) is refused, not scored.

return {
  { name = "an Oregon waste event is refused: roadrunner does not use US-OR",
    event = { type = "waste.recorded", id = "rr-or-w", jurisdiction = "US-OR",
      occurred_at = "2026-03-06T10:15:00-08:00", data = { waste_id = "W-1", weight_g = 300 } },
    expect = { refused = "tenant 'roadrunner' does not use jurisdiction 'US-OR' (its policy lists US-DOT)" } },

  { name = "an employee.compliance event tagged US-TX is refused as well",
    event = { type = "employee.compliance", id = "rr-tx-emp", jurisdiction = "US-TX",
      occurred_at = "2026-03-20T09:00:00-05:00",
      data = { employee_id = "E-5120", background = { status = "clear" } } },
    expect = { refused = "does not use jurisdiction 'US-TX'" } },

  { name = "the same employee.compliance event as US-DOT is decided (no drug test: info reminder)",
    event = { type = "employee.compliance", id = "rr-dot-emp", jurisdiction = "US-DOT",
      occurred_at = "2026-03-20T09:00:00-05:00",
      data = { employee_id = "E-5120", background = { status = "clear" } } },
    expect = { flag = "green", findings = { "employee-flags/drug-test-missing" }, score = 100,
      waivers = { "employee-flags/background-unresolved" } } },
}
