-- tests/cli/diff/v1/demo/pack.lua — the "before" pack of the diff tests.
return {
  name = "demo",
  version = "2026.1",
  jurisdiction = "US-XX",
  title = "edict diff test pack, before",
  effective_from = "2020-01-01",
  params = { limit = 10 },
  rules = { "rules.lua" },
}
