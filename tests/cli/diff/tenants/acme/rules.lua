-- tests/cli/diff/tenants/acme/rules.lua — acme's own rule.
rule {
  id = "acme/reviewed", on = "t.a", severity = "info", cite = "acme policy 7",
  check = function(e)
    if not e.data.reviewed then return "not reviewed yet" end
  end,
}
