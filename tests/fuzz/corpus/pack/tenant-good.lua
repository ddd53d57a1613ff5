--tenant
return {
  tenant = "acme", version = "3", title = "Acme",
  jurisdictions = { "US-TX" },
  params = { ["employee-flags"] = { missing_drug_test_severity = "major" } },
  waivers = { ["employee-flags/bg-missing"] = "approved by compliance 2026-01" },
  limits = { instructions = 1000000, memory_mb = 4, time_ms = 100 },
  rules = { "rules.lua" },
}
--8<--
rule { id = "fuzz/t", on = "employee.compliance", severity = "minor", cite = "house", jurisdiction = "US-TX",
  check = function(e, ctx) end }
