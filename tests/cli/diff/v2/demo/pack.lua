-- tests/cli/diff/v2/demo/pack.lua — the "after" pack of the diff tests: the
-- limit moves from 10 to 5, a jurisdiction and two rules are added, one
-- rule is removed.
return {
  name = "demo",
  version = "2026.2",
  jurisdiction = { "US-XX", "US-YY" },
  title = "edict diff test pack, after",
  effective_from = "2020-01-01",
  params = { limit = 5 },
  rules = { "rules.lua" },
}
