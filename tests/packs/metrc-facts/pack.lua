-- tests/packs/metrc-facts/pack.lua — a test pack whose rules ask Metrc
-- (edict.metrc), and fixtures that stub what Metrc answers (a fixture's
-- `metrc` field, RULES.md "Fixtures"): a package found, not found, Metrc
-- unavailable, a tag taken, a facility. No shipped jurisdiction pack asks
-- Metrc yet; this is the example to copy.
return {
  name = "metrc-facts",
  version = "1",
  jurisdiction = "ZZ-TEST",
  title = "Rules asking Metrc (test pack)",
  effective_from = "2000-01-01",
  rules = { "rules.lua" },
}
