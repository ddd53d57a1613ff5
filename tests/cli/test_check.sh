# test_check.sh — `edict check`: every problem as file:line: message, all of
# them in one run, exit 1; a sound pack is "ok ..." and exit 0.
. tests/cli/lib.sh

B=$TMP/bad
# Lua syntax error in a manifest
write "$B/syn/pack.lua" <<'EOF'
return {
  name = "syn", version = "1",
  jurisdiction = "US-XX"
  rules = { "rules.lua" },
}
EOF
# manifest missing name, version and rules; with an unknown field
write "$B/bare/pack.lua" <<'EOF'
-- a manifest that forgot most things
return {
  jurisdiction = "US-XX",
  colour = "blue",
}
EOF
# manifest missing its jurisdiction
write "$B/nojur/pack.lua" <<'EOF'
return {
  name = "nojur",
  version = "1",
  rules = { "rules.lua" },
}
EOF
: | write "$B/nojur/rules.lua"
# fields of the wrong type
write "$B/types/pack.lua" <<'EOF'
return {
  name = 5,
  version = {},
  jurisdiction = "us-xx",
  effective_from = "2024-1-1",
  effective_until = 20241231,
  title = false,
  params = "none",
  rules = 7,
}
EOF
# a manifest that does not return a table
write "$B/notable/pack.lua" <<'EOF'
return "pack"
EOF
# a manifest that raises
write "$B/raises/pack.lua" <<'EOF'
local t = nil
return { name = t.name }
EOF
# rule problems
write "$B/rul/pack.lua" <<'EOF'
return {
  name = "rul", version = "1", jurisdiction = "US-XX",
  rules = { "a.lua", "b.lua", "c.lua", "gone.lua" },
}
EOF
write "$B/rul/a.lua" <<'EOF'
rule { on = "t.a", severity = "major", cite = "C", check = function() end }
rule { id = "rul/no-on", severity = "major", cite = "C", check = function() end }
rule { id = "rul/no-sev", on = "t.a", cite = "C", check = function() end }
rule { id = "rul/no-cite", on = "t.a", severity = "major", check = function() end }
rule { id = "rul/no-check", on = "t.a", severity = "major", cite = "C" }
rule { id = "rul/bad-sev", on = "t.a", severity = "high", cite = "C", check = function() end }
rule { id = "rul/dup", on = "t.a", severity = "major", cite = "C", check = function() end }
rule { id = "other/x", on = "t.a", severity = "major", cite = "C", check = function() end }
rule { id = "rul/extra", on = "t.a", severity = "major", cite = "C", check = function() end, colour = 1 }
rule { id = "rul/juris", on = "t.a", severity = "major", cite = "C", check = function() end, jurisdiction = "US-XX" }
rule { id = "rul/on-type", on = 5, severity = "major", cite = "C", check = function() end }
rule "not a table"
EOF
write "$B/rul/b.lua" <<'EOF'
-- the same id again, in another file
rule { id = "rul/dup", on = "t.a", severity = "minor", cite = "C", check = function() end }
EOF
write "$B/rul/c.lua" <<'EOF'
local ok = 1
local broken = = 2
EOF
# a rule file that raises while loading
mkpack "$B/loaderr" loaderr 1 US-XX
write "$B/loaderr/rules.lua" <<'EOF'
-- line 1
local cfg = nil
local x = cfg.field
EOF

cd "$TMP" # findings name files as given: relative to here
run "$EDICT" check bad
cd "$ROOT"
cp "$OUT" "$TMP/check.out"
C=$TMP/check.out
is "check: exit 1" "$RC" 1
p() { has "check: $1" "$C" "$2"; }
p "syntax error in a manifest" "bad/syn/pack.lua:4: '}' expected (to close '{' at line 1) near 'rules'"
p "manifest without name" "bad/bare/pack.lua:2: name: expected a pack name (string)"
p "manifest without version" "bad/bare/pack.lua:2: version: expected a version string (e.g. \"2026.1\")"
p "manifest without rules" "bad/bare/pack.lua:2: rules: expected a list of rule files (e.g. { \"waste.lua\" })"
p "manifest: unknown field" "bad/bare/pack.lua:4: pack.lua: unknown field 'colour'"
p "manifest without jurisdiction" "bad/nojur/pack.lua:1: jurisdiction: expected a jurisdiction code (\"US-OR\"), a list of them, or \"*\" for any"
# the same problems as JSON, for editors and CI
cd "$TMP"
run "$EDICT" check --format json bad
cd "$ROOT"
is "check --format json: exit 1, the same problems by where and message" \
    "$RC:$(jv "$OUT" 'D[1].summary.problems == #D[1].problems and #D[1].problems > 5') $(jv "$OUT" 'D[1].problems[1].where')" \
    "1:true $(sed -n 1p "$C" | cut -d: -f1-2)"
has "... a finding's message as the text names it" "$OUT" '{"where":"bad/bare/pack.lua:4","message":"pack.lua: unknown field '"'"'colour'"'"'"}'
run "$EDICT" check --format yaml "$B"
is "check: an unknown --format is a usage error" "$RC" 64
run "$EDICT" check "$B/bare"
has "check: run from elsewhere, a finding names its file as a path that opens" "$OUT" "$B/bare/pack.lua:4: pack.lua: unknown field 'colour'"
check "... and it does open" [ -f "$(sed -n 1p "$OUT" | cut -d: -f1)" ]
p "name of the wrong type" "bad/types/pack.lua:2: name: expected a pack name (string)"
p "version of the wrong type" "bad/types/pack.lua:3: version: expected a version string"
p "jurisdiction not a code" "bad/types/pack.lua:4: jurisdiction: 'us-xx' is not a jurisdiction code (upper-case letters, digits, '-')"
p "effective_from not a date" "bad/types/pack.lua:5: effective_from: expected a date YYYY-MM-DD"
p "effective_until a number" "bad/types/pack.lua:6: effective_until: expected a date string, got number"
p "title of the wrong type" "bad/types/pack.lua:7: title: expected a string"
p "params of the wrong type" "bad/types/pack.lua:8: params: expected a table"
p "rules of the wrong type" "bad/types/pack.lua:9: rules: expected a list of rule files"
p "manifest returning a string" "bad/notable/pack.lua:1: pack.lua must return a table, not string"
p "manifest raising" "bad/raises/pack.lua:2: attempt to index a nil value (local 't')"
p "rule without id" "bad/rul/a.lua:1: rule without an id (expected id = \"rul/<name>\")"
p "rule without on" "bad/rul/a.lua:2: rule 'rul/no-on': 'on' must name an event type or a list of them"
p "rule without severity" "bad/rul/a.lua:3: rule 'rul/no-sev': severity (missing) is not one of critical, major, minor, info"
p "rule without cite" "bad/rul/a.lua:4: rule 'rul/no-cite': cite must name the regulation or policy it encodes"
p "rule without check" "bad/rul/a.lua:5: rule 'rul/no-check': check must be a function(e, ctx)"
p "bad severity" "bad/rul/a.lua:6: rule 'rul/bad-sev': severity 'high' is not one of critical, major, minor, info"
p "id not prefixed by the pack name" "bad/rul/a.lua:8: rule id 'other/x' must be 'rul/<name>' (letters, digits, '-', '_', '.')"
p "unknown rule field" "bad/rul/a.lua:9: rule: unknown field 'colour'"
p "jurisdiction in a pack's rule" "bad/rul/a.lua:10: rule 'rul/juris': jurisdiction belongs in pack.lua, not in a rule"
p "on of the wrong type" "bad/rul/a.lua:11: rule 'rul/on-type': 'on' must name an event type or a list of them"
p "rule given a string" "bad/rul/a.lua:12: rule expects a table ({ id = ..., on = ..., severity = ..., cite = ..., check = ... }), got string"
p "duplicate id names the first definition" "bad/rul/b.lua:2: duplicate rule id 'rul/dup' (first defined at bad/rul/a.lua:7)"
p "syntax error in a rule file" "bad/rul/c.lua:2: unexpected symbol near '='"
p "listed rule file missing" "bad/rul/pack.lua:3: rules: no file 'gone.lua' in bad/rul"
p "rule file raising while loading" "bad/loaderr/rules.lua:3: attempt to index a nil value (local 'cfg')"
lacks "check: a sound rule is not a problem" "$C" "rul/dup', on"
nprob=$(grep -c '^bad/[^ ]*:[0-9][0-9]*: ' "$C")
is "check: all problems in one run, each as file:line: message" "$nprob" 31
has "check: the count of problems" "$C" "0 packs, 0 tenants, $nprob problems"
lacks "check: no pack with problems is ok" "$C" "ok bad/"

# --- a sound pack ------------------------------------------------------------------
G=$TMP/good
mkpack "$G/fine" fine 1.2 US-XX 2024-01-01 2024-12-31 'params = { n = 1 },'
write "$G/fine/rules.lua" <<'EOF'
local helpers = require "lib.helpers"
rule { id = "fine/a", on = { "t.a", "t.b" }, severity = "minor", cite = "F-1",
  title = "a", description = "first", check = function(e, ctx) return helpers.msg(e) end }
rule { id = "fine/b_2.x", on = "t.a", severity = "info", cite = "F-2", check = function() end }
EOF
write "$G/fine/lib/helpers.lua" <<'EOF'
return { msg = function(e) return nil end }
EOF
cd "$TMP"; run "$EDICT" check good/fine; cd "$ROOT"
is "sound pack without fixtures: exit 0" "$RC" 0
is "sound pack without fixtures: a warning, the ok line, then the totals" "$(cat "$OUT")" "good/fine: warning: no fixtures (tests/*.lua)
ok good/fine (fine 1.2, 2 rules)
1 pack, 0 tenants, 0 problems, 1 warning"
cd "$TMP"; run "$EDICT" check --format json good/fine; cd "$ROOT"
is "check --format json: the warning apart, the pack ok" \
    "$RC:$(jv "$OUT" '#D[1].problems .. " " .. D[1].warnings[1].where .. ": " .. D[1].warnings[1].message .. " " .. tostring(D[1].packs[1].ok) .. " " .. D[1].summary.warnings')" \
    "0:0 good/fine: no fixtures (tests/*.lua) true 1"
cd "$TMP"; run "$EDICT" check --strict --format json good/fine; cd "$ROOT"
is "check --strict --format json: the warning is a problem" \
    "$RC:$(jv "$OUT" '#D[1].problems .. " " .. #D[1].warnings .. " " .. D[1].summary.problems')" "1:1 0 1"
run "$EDICT" packs --format json --packs "$G"
is "packs --format json: one object per pack, as the table" \
    "$RC:$(jv "$OUT" '#D[1] .. " " .. D[1][1].name .. " " .. D[1][1].version .. " " .. D[1][1].rules .. " " .. D[1][1].digest:sub(1, 7) .. " " .. tostring(D[1][1].tenant)')" \
    "0:1 fine 1.2 2 sha256: false"
cd "$TMP"; run "$EDICT" check --strict good/fine; cd "$ROOT"
is "--strict: a pack without fixtures is a problem, exit 1" "$RC:$(cat "$OUT")" "1:good/fine: no fixtures (tests/*.lua)
ok good/fine (fine 1.2, 2 rules)
1 pack, 0 tenants, 1 problem"
write "$G/fine/tests/a.lua" <<'EOF'
return { { name = "holds", event = { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = {} }, expect = { flag = "green" } } }
EOF
cd "$TMP"; run "$EDICT" check --strict good/fine; cd "$ROOT"
is "sound pack with fixtures: exit 0, no warning, even with --strict" "$RC:$(cat "$OUT")" "0:ok good/fine (fine 1.2, 2 rules)
1 pack, 0 tenants, 0 problems"
run "$EDICT" check "$G"
is "sound folder of packs: exit 0" "$RC:$(head -1 "$OUT")" "0:ok good/fine (fine 1.2, 2 rules)"

# fixture files are loaded too: problems at their file:line
write "$G/fine/tests/syntax.lua" <<'EOF'
return {
  { name = "x", event = {}
EOF
write "$G/fine/tests/shape.lua" <<'EOF'
return {
  { name = "fine", event = {}, expect = {} },
  { name = "no expect",
    event = {} },
  "not a table",
}
EOF
write "$G/fine/tests/runs.lua" <<'EOF'
local x = nil
return { x.y }
EOF
write "$G/fine/tests/notalist.lua" <<'EOF'
return "fixtures"
EOF
cd "$TMP"; run "$EDICT" check good/fine; cd "$ROOT"
is "broken fixture files: exit 1" "$RC" 1
has "fixture syntax error at file:line" "$OUT" "good/fine/tests/syntax.lua:3: '}' expected (to close '{' at line 2) near <eof>"
has "fixture without expect at the line of its table" "$OUT" "good/fine/tests/shape.lua:3: fixture 2 'no expect': a fixture needs an event table and an expect table"
has "fixture not a table at its line" "$OUT" "good/fine/tests/shape.lua:5: fixture 3: a fixture must be a table"
has "fixture file failing as it runs, at file:line" "$OUT" "good/fine/tests/runs.lua:2: attempt to index a nil value (local 'x')"
has "fixture file not returning a list" "$OUT" "good/fine/tests/notalist.lua: a fixture file must return a list of fixtures"
lacks "broken fixture files: the pack is not ok" "$OUT" "ok good/fine"
is "broken fixture files: counted" "$(tail -1 "$OUT")" "1 pack, 0 tenants, 5 problems"
rm "$G/fine/tests/syntax.lua" "$G/fine/tests/shape.lua" "$G/fine/tests/runs.lua" "$G/fine/tests/notalist.lua"

# sound and broken together: still exit 1, the sound one still ok
run "$EDICT" check "$G" "$B/loaderr"
is "mixed: exit 1" "$RC" 1
has "mixed: the sound pack ok" "$OUT" "ok good/fine (fine 1.2, 2 rules)"
has "mixed: totals" "$OUT" "1 pack, 0 tenants, 1 problem"

run "$EDICT" check "$TMP/no-such-folder"
is "missing folder: exit 1" "$RC" 1
has "missing folder: named" "$OUT" "no such pack folder"

# the shipped pack is sound
if [ -d rules ]; then
    run "$EDICT" check rules
    is "shipped rules/: check passes" "$RC" 0
fi

summary
