# test_test.sh — `edict test`: fixture output, expected/got, the final
# count, exit status, broken fixture files.
. tests/cli/lib.sh

P=$TMP/fx
mkpack "$P/fp" fp 1 US-XX 2020-01-01 "" 'params = { limit = 5 },'
write "$P/fp/rules.lua" <<'EOF'
rule { id = "fp/over", on = "t.a", severity = "major", cite = "FP-1",
  check = function(e, ctx)
    if (e.data.n or 0) > ctx.params.limit then return ("n=%d over %d"):format(e.data.n, ctx.params.limit) end
  end }
rule { id = "fp/crit", on = "t.a", severity = "critical", cite = "FP-2",
  check = function(e, ctx) if e.data.crit then return "critical thing" end end }
rule { id = "fp/boom", on = "t.a", severity = "minor", cite = "FP-3",
  check = function(e, ctx) if e.data.boom then error("kaboom") end end }
rule { id = "fp/keep", on = "t.a", severity = "info", cite = "FP-4",
  check = function(e, ctx)
    if e.data.keep then
      ctx.obligation { action = "file_report", due = "2024-07-01" }
      ctx.retain_until("2031-01-01")
    end
  end }
EOF
write "$P/fp/tests/good.lua" <<'EOF'
local function ev(data) return { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = data } end
return {
  { name = "quiet", event = ev({ n = 1 }), expect = { flag = "green", findings = {}, score = 100 } },
  { name = "over the limit", event = ev({ n = 9 }),
    expect = { flag = "yellow", findings = { "fp/over" }, score = 90, messages = { "n=9 over 5" } } },
  { name = "an expected rule error", event = ev({ boom = true }), expect = { flag = "yellow", errors = { "kaboom" } } },
  { name = "obligations and retention", event = ev({ keep = true }),
    expect = { obligations = { { action = "file_report", due = "2024-07-01" } }, retention_until = "2031-01-01" } },
  { name = "refused", event = { type = "t.a", occurred_at = "2024-02-30T00:00:00Z" },
    expect = { refused = "day 30 is out of range" } },
}
EOF
run "$EDICT" test "$P/fp"
is "all pass: exit 0" "$RC" 0
is "all pass: one ok line per fixture, then the count" "$(cat "$OUT")" "ok - fx/fp/tests/good.lua: quiet
ok - fx/fp/tests/good.lua: over the limit
ok - fx/fp/tests/good.lua: an expected rule error
ok - fx/fp/tests/good.lua: obligations and retention
ok - fx/fp/tests/good.lua: refused
5 passed, 0 failed"

write "$P/fp/tests/wrong.lua" <<'EOF'
local function ev(data) return { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = data } end
return {
  { name = "wrong flag, findings and score", event = ev({ n = 9 }),
    expect = { flag = "red", findings = { "fp/crit" }, score = 50 } },
  { name = "unexpected rule error", event = ev({ boom = true }), expect = { flag = "yellow" } },
  { name = "wrong retention", event = ev({ keep = true }), expect = { retention_until = "2030-01-01" } },
  { name = "unknown expect field", event = ev({}), expect = { colour = "green" } },
  { name = "still passes", event = ev({ crit = true }), expect = { flag = "red", findings = { "fp/crit" }, score = 75 } },
}
EOF
run "$EDICT" test "$P/fp"
is "failures: exit 1" "$RC" 1
has "failures: FAIL line" "$OUT" "FAIL - fx/fp/tests/wrong.lua: wrong flag, findings and score"
has "failures: flag expected/got" "$OUT" "    flag: expected red, got yellow"
has "failures: findings expected/got" "$OUT" "    findings: expected [fp/crit], got [fp/over]"
has "failures: score expected/got" "$OUT" "    score: expected 50, got 90"
has "failures: an unexpected rule error fails" "$OUT" "FAIL - fx/fp/tests/wrong.lua: unexpected rule error
    errors: expected none, got kaboom"
has "failures: retention expected/got" "$OUT" "    retention_until: expected 2030-01-01, got 2031-01-01"
has "failures: unknown expect field" "$OUT" "FAIL - fx/fp/tests/wrong.lua: unknown expect field
    expect: unknown field 'colour'"
has "failures: the others still run" "$OUT" "ok - fx/fp/tests/wrong.lua: still passes"
is "failures: final count" "$(tail -1 "$OUT")" "6 passed, 4 failed"

# a fixture file with a syntax error is one failure; the rest still run
write "$P/fp/tests/syntax.lua" <<'EOF'
return {
  { name = "x", event = {}
EOF
write "$P/fp/tests/notalist.lua" <<'EOF'
return "fixtures"
EOF
rm "$P/fp/tests/wrong.lua"
run "$EDICT" test "$P/fp"
is "syntax error: exit 1" "$RC" 1
has "syntax error: reported as a failure with file:line" "$OUT" "FAIL - fx/fp/tests/syntax.lua: fx/fp/tests/syntax.lua:3: '}' expected (to close '{' at line 2) near <eof>"
has "not a list: reported as a failure" "$OUT" "FAIL - fx/fp/tests/notalist.lua: a fixture file must return a list of fixtures"
is "syntax error: counted, other fixtures still pass" "$(tail -1 "$OUT")" "5 passed, 2 failed"

# a pack with problems counts as a failure; sound packs are still tested
rm "$P/fp/tests/syntax.lua" "$P/fp/tests/notalist.lua"
mkpack "$P/broken" broken 1 US-XX
echo 'rule { id = "broken/x", on = "t.a", severity = "severe", cite = "X", check = function() end }' | write "$P/broken/rules.lua"
run "$EDICT" test "$P"
is "pack with problems: exit 1" "$RC" 1
has "pack with problems: the problem printed" "$OUT" "fx/broken/rules.lua:1: rule 'broken/x': severity 'severe' is not one of critical, major, minor, info"
is "pack with problems: counted as a failure" "$(tail -1 "$OUT")" "5 passed, 1 failed"

# a tenant's fixtures run against its whole policy
rm -r "$P/broken"
write "$TMP/tn/acme/policy.lua" <<'EOF'
return { params = { fp = { limit = 50 } }, waivers = { ["fp/crit"] = "accepted: legacy equipment until 2025" } }
EOF
write "$TMP/tn/acme/tests/policy.lua" <<'EOF'
return {
  { name = "the override applies", event = { type = "t.a", jurisdiction = "US-XX", occurred_at = "2024-06-01T12:00:00Z", data = { n = 9, crit = true } },
    expect = { flag = "green", findings = {}, waivers = { "fp/crit" } } },
}
EOF
run "$EDICT" test --tenants "$TMP/tn" "$P"
is "tenant fixtures: exit 0" "$RC" 0
has "tenant fixtures: run" "$OUT" "ok - tn/acme/tests/policy.lua: the override applies"
is "tenant fixtures: counted" "$(tail -1 "$OUT")" "6 passed, 0 failed"

# no fixtures at all
mkpack "$TMP/nofx/p" nofx 1 US-XX
echo 'rule { id = "nofx/x", on = "t.a", severity = "info", cite = "X", check = function() end }' | write "$TMP/nofx/p/rules.lua"
run "$EDICT" test "$TMP/nofx/p"
is "no fixtures: 0 passed, 0 failed, exit 0" "$RC:$(cat "$OUT")" "0:0 passed, 0 failed"

# the shipped pack's fixtures pass
if [ -d rules ]; then
    run "$EDICT" test rules
    is "shipped rules/: fixtures pass" "$RC" 0
fi

summary
