-- tests/cli/diff/tenants/acme/policy.lua — an overlay given to both sides:
-- it raises the demo limit and adds a rule of its own.
return {
  params = { demo = { limit = 100 } },
  rules = { "rules.lua" },
}
