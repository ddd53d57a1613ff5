-- tests/cli/diff/broken/demo/pack.lua — a pack with a problem: the
-- effective date does not exist.
return {
  name = "demo",
  version = "2026.3",
  jurisdiction = "US-XX",
  effective_from = "2026-02-30",
  rules = { "rules.lua" },
}
