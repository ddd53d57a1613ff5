-- tests/packs/attacks/pack.lua — a pack of sandbox attacks. Every rule but
-- the sentinel and attacks/config-reader performs one attack inside its
-- check, and only when the event asks for it (`attack.run` with
-- data.attack = <name>). The fixtures in tests/ assert that each attack is
-- contained: the rule ends in an error entry (or does nothing), the rules
-- after it still run (the sentinel, last, always returns "sentinel ok"),
-- and the next event is decided normally by the same state.
--
-- Attacks that only make sense at load time (a loop at a file's top level,
-- require of a path, a binary rule file, rule() from a check), and those
-- that would crash or hang a broken host, are tested in
-- tests/unit/test_sandbox.c, since a pack that fails to load cannot run
-- fixtures and a hung `edict test` reports nothing.
return {
  name = "attacks",
  version = "1",
  jurisdiction = "ZZ-TEST",
  title = "Sandbox attacks (test pack)",
  effective_from = "2000-01-01",
  params = { threshold = 10 },
  rules = { "escape.lua", "limits.lua", "mutation.lua", "results.lua", "determinism.lua",
            "sentinel.lua" },
}
