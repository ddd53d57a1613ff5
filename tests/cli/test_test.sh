# test_test.sh — `edict test`: fixture output (quiet, -v, --run), file:line
# of failing fixtures and of rule errors, expected/got, finding
# assertions, the formats (json, junit, tap), --coverage, the final count,
# exit status, broken fixture files.
. tests/cli/lib.sh

P=$TMP/fx
mkpack "$P/fp" fp 1 US-XX 2020-01-01 "" 'params = { limit = 5 },'
write "$P/fp/rules.lua" <<'EOF'
rule { id = "fp/over", on = "t.a", severity = "major", cite = "FP-1",
  check = function(e, ctx)
    if e.data.twice then return { { message = "again" }, { message = "again" }, { message = "x" } } end
    if (e.data.n or 0) > ctx.params.limit then
      return { message = ("n=%d over %d"):format(e.data.n, ctx.params.limit), details = { n = e.data.n, limit = { value = ctx.params.limit } } }
    end
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
rule { id = "fp/loop", on = "t.a", severity = "minor", cite = "FP-5",
  check = function(e, ctx) if e.data.loop then while true do end end end }
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
is "all pass: quiet, the count alone" "$(cat "$OUT")" "5 passed, 0 failed"
run "$EDICT" test -v "$P/fp"
is "-v: one ok line per fixture with file:line, then the count" "$RC:$(cat "$OUT")" "0:ok - fx/fp/tests/good.lua:3: quiet
ok - fx/fp/tests/good.lua:4: over the limit
ok - fx/fp/tests/good.lua:6: an expected rule error
ok - fx/fp/tests/good.lua:7: obligations and retention
ok - fx/fp/tests/good.lua:9: refused
5 passed, 0 failed"
run "$EDICT" test --verbose "$P/fp"
is "--verbose is -v" "$(head -1 "$OUT")" "ok - fx/fp/tests/good.lua:3: quiet"

# --run: a plain substring of "file: name"; repeated, any matches
run "$EDICT" test -v --run "good.lua: o" "$P/fp"
is "--run: selects by substring of 'file: name'" "$RC:$(cat "$OUT")" "0:ok - fx/fp/tests/good.lua:4: over the limit
ok - fx/fp/tests/good.lua:7: obligations and retention
2 passed, 0 failed"
run "$EDICT" test -v --run quiet --run refused "$P/fp"
is "--run twice: either matches" "$(cat "$OUT")" "ok - fx/fp/tests/good.lua:3: quiet
ok - fx/fp/tests/good.lua:9: refused
2 passed, 0 failed"
run "$EDICT" test --run "fp/tests/good.lua: over the" "$P/fp"
is "--run: the pack's folder and file in the pattern; '-' and '.' are plain" "$(cat "$OUT")" "1 passed, 0 failed"
run "$EDICT" test --run nothing-like-this "$P/fp"
is "--run selecting nothing: exit 1, said on stderr" "$RC:$(cat "$ERR")" "1:edict test: --run selects no fixture"

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
is "failures: each at file:line with expected/got, rule errors at the rule's file:line; no ok lines" "$(cat "$OUT")" "FAIL - fx/fp/tests/wrong.lua:3: wrong flag, findings and score
    flag: expected red, got yellow
    findings: expected [fp/crit], got [fp/over]
    score: expected 50, got 90
FAIL - fx/fp/tests/wrong.lua:5: unexpected rule error
    errors: expected none, got kaboom (rule fp/boom at fx/fp/rules.lua:11)
FAIL - fx/fp/tests/wrong.lua:6: wrong retention
    retention_until: expected 2030-01-01, got 2031-01-01
FAIL - fx/fp/tests/wrong.lua:7: unknown expect field
    expect: unknown field 'colour' (expected flag, findings, score, retention_until, obligations, errors, waivers, refused, messages, metrc_writes, unavailable)
6 passed, 4 failed"
run "$EDICT" test -v "$P/fp"
has "failures: the others still run" "$OUT" "ok - fx/fp/tests/wrong.lua:8: still passes"
is "failures: final count" "$(tail -1 "$OUT")" "6 passed, 4 failed"

# a rule stopped by a limit names the rule and its file:line
write "$P/fp/tests/wrong.lua" <<'EOF'
return {
  {
    name = "a loop",
    event = { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = { loop = true } },
    expect = { flag = "green" },
  },
  { name = "expected texts missing", event = { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = { boom = true } },
    expect = { errors = { "no such text" } } },
}
EOF
run "$EDICT" test --limit-instructions 100000 "$P/fp"
is "limit stop: the rule's file:line" "$(cat "$OUT")" "FAIL - fx/fp/tests/wrong.lua:2: a loop
    flag: expected green, got yellow
    errors: expected none, got instruction limit exceeded (100000 instructions) (rule fp/loop at fx/fp/rules.lua:20)
FAIL - fx/fp/tests/wrong.lua:7: expected texts missing
    errors: expected no such text, got kaboom (rule fp/boom at fx/fp/rules.lua:11)
5 passed, 2 failed"
rm "$P/fp/tests/wrong.lua"

# findings asserted one by one: severity, message (a Lua pattern), details
write "$P/fp/tests/findings.lua" <<'EOF'
local function ev(data) return { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = data } end
return {
  { name = "finding tables pass", event = ev({ n = 9, crit = true }),
    expect = { findings = { "fp/crit", { rule = "fp/over", severity = "major", message = "^n=9 over %d+$",
                                         details = { n = 9, limit = { value = 5 } } } } } },
  { name = "finding tables fail",
    event = ev({ n = 9 }),
    expect = { findings = { { rule = "fp/over", severity = "minor", message = "^n=8", details = { n = 8 } } } } },
  { name = "a bad pattern", event = ev({ n = 9 }),
    expect = { findings = { { rule = "fp/over", message = "[" } } } },
  { name = "two of one rule, each its own", event = ev({ n = 9, twice = true }),
    expect = { findings = { { rule = "fp/over", message = "again" }, { rule = "fp/over", message = "again" } } } },
  { name = "a table without its rule", event = ev({}), expect = { findings = { { severity = "major" } } } },
}
EOF
run "$EDICT" test -v --run findings.lua "$P/fp"
is "finding tables: expected/got per finding" "$(cat "$OUT")" "ok - fx/fp/tests/findings.lua:3: finding tables pass
FAIL - fx/fp/tests/findings.lua:6: finding tables fail
    finding fp/over: expected severity minor, got major
    finding fp/over: expected message matching '^n=8', got 'n=9 over 5'
    finding fp/over: expected details with {\"n\":8}, got {\"limit\":{\"value\":5},\"n\":9}
FAIL - fx/fp/tests/findings.lua:9: a bad pattern
    finding fp/over: expected a message pattern that does not work: malformed pattern (missing ']')
FAIL - fx/fp/tests/findings.lua:11: two of one rule, each its own
    findings: expected [fp/over, fp/over], got [fp/over, fp/over, fp/over]
FAIL - fx/fp/tests/findings.lua:13: a table without its rule
    findings: a finding table needs its rule id (rule = ...)
1 passed, 4 failed"
rm "$P/fp/tests/findings.lua"

# the line of a fixture: the table naming it, the element of the returned
# list, the helper call naming it; none for one built in a loop
write "$P/fp/tests/lines.lua" <<'EOF'
--[[ a long comment { with braces } and name = "quiet" ]]
local s = [==[ { ]] { ]==]
local function fx(name, flag)
  return { name = name, event = { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = { n = 9 } },
           expect = { flag = flag } }
end
local list = {
  fx("by helper", "red"),
  -- { name = "a comment" },
  { name = 'a "quoted" name', event = fx("x").event, expect = { flag = "red" } },
  { event = fx("x").event,
    expect = { flag = "red" } },
}
for i = 1, 2 do
  list[#list + 1] = fx(("loop %d"):format(i), "red")
end
return list
EOF
run "$EDICT" test --run lines.lua "$P/fp"
is "lines: table, helper, loop" "$(grep '^FAIL' "$OUT")" 'FAIL - fx/fp/tests/lines.lua:8: by helper
FAIL - fx/fp/tests/lines.lua:10: a "quoted" name
FAIL - fx/fp/tests/lines.lua: (unnamed)
FAIL - fx/fp/tests/lines.lua: loop 1
FAIL - fx/fp/tests/lines.lua: loop 2'
write "$P/fp/tests/lines.lua" <<'EOF'
local e = { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = { n = 9 } }
return {
  { name = "first", event = e, expect = { flag = "red" } }, { event = e, expect = { flag = "red" } },
  { event = e,
    expect = { flag = "red" } },
}
EOF
run "$EDICT" test --run lines.lua "$P/fp"
is "lines: unnamed fixtures by their place in the returned list" "$(grep '^FAIL' "$OUT")" 'FAIL - fx/fp/tests/lines.lua:3: first
FAIL - fx/fp/tests/lines.lua:3: (unnamed)
FAIL - fx/fp/tests/lines.lua:4: (unnamed)'
rm "$P/fp/tests/lines.lua"

# --format json|junit|tap and --coverage, over a pack with one failure
write "$P/fp/tests/fmt.lua" <<'EOF'
return {
  { name = "needs <escaping> & \"quotes\" # not a directive", event = { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = { n = 9 } },
    expect = { flag = "red" } },
}
EOF
run "$EDICT" test --format json "$P/fp"
is "json: exit 1 (a failure)" "$RC" 1
is "json: one document with the counts" "$(jv "$OUT" 'N .. " " .. D[1].passed .. " " .. D[1].failed .. " " .. #D[1].fixtures')" "1 5 1 6"
# fixture files run in path order: fmt.lua before good.lua
is "json: a failing fixture: file, line, name, why a line each" "$(jv "$OUT" 'str(D[1].fixtures[1].file) .. ":" .. D[1].fixtures[1].line .. "|" .. D[1].fixtures[1].name .. "|" .. tostring(D[1].fixtures[1].ok) .. "|" .. join(D[1].fixtures[1].why, "|")')" 'fx/fp/tests/fmt.lua:2|needs <escaping> & "quotes" # not a directive|false|flag: expected red, got yellow'
is "json: a passing fixture" "$(jv "$OUT" 'D[1].fixtures[2].name .. " " .. tostring(D[1].fixtures[2].ok) .. " " .. #D[1].fixtures[2].why')" "quiet true 0"
run "$EDICT" test --format junit "$P/fp"
is "junit: exit 1" "$RC" 1
if command -v xmllint >/dev/null 2>&1; then
    check "junit: well-formed XML" xmllint --noout "$OUT"
    is "junit: counts" "$(xmllint --xpath 'concat(/testsuites/@tests, " ", /testsuites/@failures, " ", count(//testcase), " ", count(//failure))' "$OUT")" "6 1 6 1"
    is "junit: the failing case, escaped and read back" "$(xmllint --xpath 'string(//testcase[failure]/@name)' "$OUT")" 'needs <escaping> & "quotes" # not a directive'
    is "junit: the failure names file:line and what differs" "$(xmllint --xpath 'string(//failure/@message)' "$OUT")" "fx/fp/tests/fmt.lua:2: flag: expected red, got yellow"
    is "junit: file and line attributes" "$(xmllint --xpath 'concat(//testcase[failure]/@file, ":", //testcase[failure]/@line)' "$OUT")" "fx/fp/tests/fmt.lua:2"
else
    fail "junit: well-formed XML" "xmllint (libxml2-utils) is not installed"
fi
has "junit: escaped in the text" "$OUT" 'name="needs &lt;escaping&gt; &amp; &quot;quotes&quot; # not a directive"'
run "$EDICT" test --format tap "$P/fp"
is "tap: exit 1" "$RC" 1
is "tap: version first, plan after the tests" "$(head -1 "$OUT"):$(grep -c '^ok ' "$OUT"):$(grep '^1\.\.' "$OUT")" "TAP version 13:5:1..6"
has "tap: not ok, '#' escaped" "$OUT" 'not ok 1 - fx/fp/tests/fmt.lua: needs <escaping> & "quotes" \# not a directive'
has "tap: a YAML block with where and what" "$OUT" "  ---
  at: fx/fp/tests/fmt.lua:2
  message: |
    flag: expected red, got yellow
  ..."
run "$EDICT" test --format yaml "$P/fp"
is "--format: an unknown one is a usage error" "$RC:$(cat "$ERR")" "64:edict test: --format: 'yaml' is not one of text, json, junit, tap"
rm "$P/fp/tests/fmt.lua"

# --coverage: which rules fired, which held, which no fixture reached
write "$P/fp/tests/more.lua" <<'EOF'
return { { name = "critical", event = { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = { crit = true } }, expect = { flag = "red" } } }
EOF
echo 'rule { id = "fp/other", on = "t.other", severity = "info", cite = "FP-6", check = function() end }' >>"$P/fp/rules.lua"
run "$EDICT" test --coverage "$P/fp"
is "coverage: exit 0" "$RC" 0
# a rule error is neither: fp/boom fires only as an error; fp/keep adds an
# obligation but returns no finding, so it holds
is "coverage: per rule, then the never exercised, then the count" "$(cat "$OUT")" "coverage (fired, held, rule, where):
  fired held  fp/over fx/fp/rules.lua:1
  fired held  fp/crit fx/fp/rules.lua:8
  -     held  fp/boom fx/fp/rules.lua:10
  -     held  fp/keep fx/fp/rules.lua:12
  -     held  fp/loop fx/fp/rules.lua:19
  -     -     fp/other fx/fp/rules.lua:21
rules no fixture exercised: fp/other
coverage: 6 rules, 2 fired, 5 held, 1 never exercised
6 passed, 0 failed"
run "$EDICT" test --coverage --format json "$P/fp"
is "coverage in json" "$(jv "$OUT" 'D[1].coverage[6].rule .. " " .. D[1].coverage[6].where .. " " .. tostring(D[1].coverage[6].fired) .. " " .. tostring(D[1].coverage[6].held) .. " " .. D[1].coverage[1].pack')" "fp/other fx/fp/rules.lua:21 false false fx/fp"
run "$EDICT" test --coverage --run critical "$P/fp"
has "coverage follows --run" "$OUT" "  fired -     fp/crit fx/fp/rules.lua:8"
rm "$P/fp/tests/more.lua"

# a fixture file with a syntax error is one failure; the rest still run
write "$P/fp/tests/syntax.lua" <<'EOF'
return {
  { name = "x", event = {}
EOF
write "$P/fp/tests/notalist.lua" <<'EOF'
return "fixtures"
EOF
run "$EDICT" test "$P/fp"
is "syntax error: exit 1" "$RC" 1
has "syntax error: reported as a failure with file:line" "$OUT" "FAIL - fx/fp/tests/syntax.lua:3: '}' expected (to close '{' at line 2) near <eof>"
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
run "$EDICT" test -v --tenants "$TMP/tn" "$P"
is "tenant fixtures: exit 0" "$RC" 0
has "tenant fixtures: run" "$OUT" "ok - tn/acme/tests/policy.lua:2: the override applies"
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
