-- tests/cli/diff/broken/demo/rules.lua — one sound rule, so the only
-- problem is in pack.lua.
rule {
  id = "demo/over-limit", on = "t.a", severity = "critical", cite = "DEMO 1",
  check = function() end,
}
