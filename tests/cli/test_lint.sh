# test_lint.sh — `edict lint`: luacheck with the sandbox's globals over
# every Lua file of the packs, and edict's own checks (ctx fields, declared
# params), each finding with file:line; the shipped tree is clean.
. tests/cli/lib.sh

if ! command -v "${LUACHECK:-luacheck}" >/dev/null 2>&1; then
    fail "setup" "luacheck is not installed (make deps: Debian's lua-check)"
    summary
fi

run "$EDICT" lint
is "the shipped packs and tenants lint clean" "$RC:$(tail -1 "$OUT")" "0:10 packs, 2 tenants linted: clean"
has "... showing the catalogue's warning without counting it" "$OUT" "tenants/greenleaf/waste.lua:95: warning: reads e.data.manager_approval"

P=$TMP/packs
mkpack "$P/demo" demo 2026.1 US-XX 2020-01-01 "" 'params = { limit = 10 },'
write "$P/demo/rules.lua" <<'EOF2'
local unused = 1
rule { id = "demo/over", on = "t.a", severity = "critical", cite = "DEMO-1",
  check = function(e, ctx)
    if (e.data.n or 0) > ctx.parms.limit then return "over" end
    if (e.data.n or 0) > ctx.params.limt then return "over" end
    if lenght(e.data) > ctx.params.limit then return "long" end
    return string.format("%s", ctx.tenant) == "" and "no tenant" or nil
  end }
EOF2
run "$EDICT" lint "$P/demo"
is "findings: exit 1" "$RC" 1
has "luacheck: an undefined global, at file:line:col under the pack's folder" "$OUT" "packs/demo/rules.lua:6:8: (W113) accessing undefined variable 'lenght'"
has "luacheck: an unused local" "$OUT" "packs/demo/rules.lua:1:7: (W211) unused variable 'unused'"
lacks "luacheck knows the sandbox's globals (string) and rule" "$OUT" "'string'"
lacks "... and rule" "$OUT" "'rule'"
has "edict: a ctx field that does not exist, naming the ones that do" "$OUT" "packs/demo/rules.lua:4: ctx.parms: ctx has no such field (it has as_of, as_of_date, zone, bounds, params"
has "edict: a param the pack does not declare" "$OUT" "packs/demo/rules.lua:5: ctx.params.limt: pack demo declares no such param"
lacks "edict: a declared param is no finding" "$OUT" "ctx.params.limit:"
is "the summary counts the pack" "$(tail -1 "$OUT")" "1 pack, 0 tenants linted: findings above"

run env LUACHECK=/nonexistent/luacheck "$EDICT" lint "$P/demo"
is "without luacheck: exit 1" "$RC" 1
has "... saying how to get it" "$OUT" "cannot run /nonexistent/luacheck (Debian: apt-get install lua-check"

mkpack "$P/broken" broken 2026.1 US-XX 2020-02-30
write "$P/broken/rules.lua" <<'EOF2'
rule { id = "broken/x", on = "t.a", severity = "minor", cite = "X", check = function() end }
EOF2
run "$EDICT" lint "$P/broken"
is "a pack that does not load: exit 1" "$RC" 1
has "... with check's message and where to go" "$OUT" "fix what \`edict check\` reports first"

run "$EDICT" new pack "$TMP/new/us-co" --jurisdiction US-CO
run "$EDICT" lint "$TMP/new/us-co"
is "a pack edict new writes lints clean" "$RC:$(tail -1 "$OUT")" "0:1 pack, 0 tenants linted: clean"
summary
