-- tests/packs/attacks/sentinel.lua — runs last for every attack.run event
-- and always returns a finding: "sentinel ok" when the shared library is
-- intact and the rule has its whole budget, otherwise what it saw. That it
-- is there at all shows the rules after an attack still run.
-- luacheck: globals rule
rule {
  id = "attacks/sentinel",
  on = "attack.run",
  severity = "info",
  cite = "ZZ-TEST sentinel",
  check = function(e, ctx)
    local seen = {}
    if ("abc"):upper() ~= "ABC" then seen[#seen + 1] = "string.upper changed" end
    if string.format("%d-%s", 7, "x") ~= "7-x" then seen[#seen + 1] = "string.format changed" end
    if ("a,b"):find(",", 1, true) ~= 2 then seen[#seen + 1] = "string.find changed" end
    if math.floor(2.5) ~= 2 then seen[#seen + 1] = "math changed" end
    if select("#", pcall(error, "x")) ~= 2 then seen[#seen + 1] = "pcall changed" end
    if ctx.params.threshold ~= 10 then seen[#seen + 1] = "ctx.params changed" end
    if e.type ~= "attack.run" then seen[#seen + 1] = "the event changed" end
    -- a good share of the budget: fails if a stop lingers
    local n = 0
    for i = 1, 300000 do n = n + 1 end
    if n ~= 300000 then seen[#seen + 1] = "arithmetic changed" end
    if #seen > 0 then return "sentinel saw: " .. table.concat(seen, ", ") end
    return "sentinel ok"
  end,
}
