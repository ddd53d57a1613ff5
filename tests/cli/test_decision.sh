# test_decision.sh — the decision contract: fields and their order, flag and
# score arithmetic, determinism, --as-of and --explain.
. tests/cli/lib.sh

P=$TMP/packs
mkpack "$P/demo" demo 1 US-XX
write "$P/demo/rules.lua" <<'EOF'
-- data.sevs: a list of severities, one finding each
rule { id = "demo/list", on = "t.a", severity = "info", cite = "DEMO-1",
  check = function(e, ctx)
    local out = {}
    for i, s in ipairs(e.data.sevs or {}) do
      out[#out + 1] = { message = "finding " .. i, severity = s }
    end
    if #out > 0 then return out end
  end }
-- data.boom: raise
rule { id = "demo/boom", on = "t.a", severity = "critical", cite = "DEMO-2",
  check = function(e, ctx) if e.data.boom then error("boom") end end }
-- the as_of the rule sees
rule { id = "demo/asof", on = "t.a", severity = "info", cite = "DEMO-3",
  check = function(e, ctx) if e.data.asof then return "as_of " .. ctx.as_of end end }
EOF
E="$EDICT eval --packs $P"

# --- fields and their order ---------------------------------------------
event f1 '{"sevs":["major"]}' >"$TMP/f1"
run $E "$TMP/f1"
is "decision: top-level fields in order" "$(jv "$OUT" 'join(keys(L[1]))')" \
    "decision_id,event_id,tenant,jurisdiction,type,occurred_at,as_of,flag,score,findings,obligations,retention_until,packs,waivers,errors"
check "decision: decision_id is dec-<32 hex>" grep -Eq '^\{"decision_id":"dec-[0-9a-f]{32}",' "$OUT"
has "decision: envelope copied from the event" "$OUT" \
    '"event_id":"f1","tenant":"acme","jurisdiction":"US-XX","type":"t.a","occurred_at":"2024-06-01T12:00:00Z","as_of":"2024-06-01T12:00:00Z","flag":"yellow","score":90,'
has "decision: a finding, fields in order" "$OUT" \
    '"findings":[{"rule":"demo/list","severity":"major","message":"finding 1","cite":"DEMO-1"}]'
has "decision: empty obligations, null retention" "$OUT" '"obligations":[],"retention_until":null,'
check "decision: packs entry name, version, sha256 digest" \
    grep -Eq '"packs":\[\{"name":"demo","version":"1","digest":"sha256:[0-9a-f]{64}"\}\],"waivers":\[\],"errors":\[\]\}$' "$OUT"
is "decision: one line, ends with newline" "$(wc -l <"$OUT")" 1
lacks "decision: no explain without --explain" "$OUT" '"explain"'

# --- flag and score -------------------------------------------------------
# sevs -> expected "flag score"
: >"$TMP/cases"
: >"$TMP/want"
case_() { # ID DATA WANT
    event "$1" "$2" >>"$TMP/cases"
    echo "$1 $3" >>"$TMP/want"
}
case_ none '{}' "green 100"
case_ info1 '{"sevs":["info"]}' "green 100"
case_ info3 '{"sevs":["info","info","info"]}' "green 100"
case_ minor1 '{"sevs":["minor"]}' "yellow 95"
case_ major1 '{"sevs":["major"]}' "yellow 90"
case_ crit1 '{"sevs":["critical"]}' "red 75"
case_ mix '{"sevs":["critical","major","minor","info"]}' "red 60"
case_ mm-m '{"sevs":["major","major","minor"]}' "yellow 75"
case_ minor-info '{"sevs":["minor","info","info"]}' "yellow 95"
case_ crit4 '{"sevs":["critical","critical","critical","critical"]}' "red 0"
case_ crit5 '{"sevs":["critical","critical","critical","critical","critical"]}' "red 0"
case_ major11 '{"sevs":["major","major","major","major","major","major","major","major","major","major","major"]}' "yellow 0"
case_ minor19 '{"sevs":["minor","minor","minor","minor","minor","minor","minor","minor","minor","minor","minor","minor","minor","minor","minor","minor","minor","minor","minor"]}' "yellow 5"
case_ crit3-major2-minor1 '{"sevs":["critical","critical","critical","major","major","minor"]}' "red 0"
case_ crit2-major4-minor2 '{"sevs":["critical","major","major","critical","major","minor","major","minor"]}' "red 0"
case_ crit1-major3-minor3 '{"sevs":["critical","major","major","major","minor","minor","minor"]}' "red 30"
case_ error-only '{"boom":true}' "yellow 100"
case_ error-info '{"boom":true,"sevs":["info"]}' "yellow 100"
case_ error-crit '{"boom":true,"sevs":["critical"]}' "red 75"
run $E "$TMP/cases"
i=1
while read -r id want; do
    is "score: $id -> $want" "$(jv "$OUT" "D[$i].event_id .. ' ' .. D[$i].flag .. ' ' .. D[$i].score")" "$id $want"
    i=$((i + 1))
done <"$TMP/want"
is "score: the finding count follows the list" "$(jv "$OUT" '#D[7].findings')" 4
is "score: an error-only decision has no findings and one error" "$(jv "$OUT" '#D[17].findings .. " " .. #D[17].errors')" "0 1"

# --summary: counts on stderr at the end, stdout unchanged
cp "$TMP/cases" "$TMP/cases-bad"
echo '{"id":"refused"}' >>"$TMP/cases-bad"
run $E --summary "$TMP/cases-bad"
is "--summary: the counts" "$(grep -E '^[0-9]+ events: ' "$ERR")" \
    "20 events: 19 decided (red 8, yellow 8, green 3), 1 refused, 3 rule errors"
has "--summary: top findings" "$ERR" "top findings:"
is "--summary: stdout still one line per event" "$(jv "$OUT" 'N')" 20

# --- determinism ---------------------------------------------------------
run $E "$TMP/cases"
cp "$OUT" "$TMP/run1"
run $E "$TMP/cases"
check "determinism: two runs give byte-identical output" cmp -s "$TMP/run1" "$OUT"
{
    printf '['
    sed 's/$/,/' "$TMP/cases" | tr -d '\n' | sed 's/,$//'
    printf ']\n'
} >"$TMP/cases.json"
run $E "$TMP/cases.json"
check "determinism: array input gives the same decisions as NDJSON" cmp -s "$TMP/run1" "$OUT"
is "determinism: decision ids are distinct per event" \
    "$(jv "$TMP/run1" '(function() local s = {} for i = 1, N do s[D[i].decision_id] = true end local c = 0 for _ in pairs(s) do c = c + 1 end return c end)()')" \
    "$(jv "$TMP/run1" 'N')"
# the same event twice in one run: same decision
cat "$TMP/f1" "$TMP/f1" >"$TMP/twice"
run $E "$TMP/twice"
is "determinism: same event twice, same line twice" "$(jv "$OUT" 'tostring(L[1] == L[2])')" true
id1=$(jv "$OUT" 'D[1].decision_id')
# the decision id does not depend on the folder the packs were read from
cp -r "$P" "$TMP/copy"
run "$EDICT" eval --packs "$TMP/copy" "$TMP/f1"
is "determinism: decision_id stable when the same packs are read elsewhere" "$(jv "$OUT" 'D[1].decision_id')" "$id1"
# ...but it changes with the as_of
run $E --as-of 2030-01-01T00:00:00Z "$TMP/f1"
check "determinism: another as_of, another decision_id" [ "$(jv "$OUT" 'D[1].decision_id')" != "$id1" ]
# ...and with the tenant
sed 's/"acme"/"other"/' "$TMP/f1" >"$TMP/f1-other"
run $E "$TMP/f1-other"
check "determinism: another tenant, another decision_id" [ "$(jv "$OUT" 'D[1].decision_id')" != "$id1" ]

# --- as_of ---------------------------------------------------------------
{
    event a1 '{"asof":1}' 2024-06-01T12:00:00-07:00
    printf '{"id":"a2","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2024-06-01T12:00:00Z","as_of":"2025-01-02T03:04:05+01:00","data":{"asof":1}}\n'
} >"$TMP/asof"
run $E "$TMP/asof"
is "as_of: defaults to occurred_at" "$(jv "$OUT" 'D[1].as_of')" "2024-06-01T12:00:00-07:00"
is "as_of: the rule sees it" "$(jv "$OUT" 'D[1].findings[1].message')" "as_of 2024-06-01T12:00:00-07:00"
is "as_of: the event's own as_of" "$(jv "$OUT" 'D[2].as_of .. " | " .. D[2].findings[1].message')" \
    "2025-01-02T03:04:05+01:00 | as_of 2025-01-02T03:04:05+01:00"
run $E --as-of 2026-03-04T05:06:07Z "$TMP/asof"
is "--as-of: overrides the defaulted as_of" "$(jv "$OUT" 'D[1].as_of .. " | " .. D[1].findings[1].message')" \
    "2026-03-04T05:06:07Z | as_of 2026-03-04T05:06:07Z"
is "--as-of: overrides the event's own as_of" "$(jv "$OUT" 'D[2].as_of .. " | " .. D[2].findings[1].message')" \
    "2026-03-04T05:06:07Z | as_of 2026-03-04T05:06:07Z"
is "--as-of: occurred_at untouched" "$(jv "$OUT" 'D[2].occurred_at')" "2024-06-01T12:00:00Z"

# --- --explain ------------------------------------------------------------
X=$TMP/xpacks
mkpack "$X/ex-v1" ex v1 US-XX 2020-01-01 2023-12-31
write "$X/ex-v1/rules.lua" <<'EOF'
rule { id = "ex/holds", on = "t.a", severity = "minor", cite = "EX-1", check = function() end }
EOF
mkpack "$X/ex-v2" ex v2 US-XX 2024-01-01
write "$X/ex-v2/rules.lua" <<'EOF'
rule { id = "ex/holds", on = "t.a", severity = "minor", cite = "EX-1", check = function() end }
rule { id = "ex/fails", on = "t.a", severity = "minor", cite = "EX-2",
  check = function() return { "one", "two" } end }
rule { id = "ex/errors", on = "t.a", severity = "minor", cite = "EX-3",
  check = function() error("nope") end }
rule { id = "ex/stops", on = "t.a", severity = "minor", cite = "EX-4",
  check = function() while true do end end }
rule { id = "ex/waived", on = "t.a", severity = "critical", cite = "EX-5",
  check = function() return "would be red" end }
rule { id = "ex/other-type", on = "t.b", severity = "critical", cite = "EX-6",
  check = function() return "not for t.a" end }
rule { id = "ex/notes", on = "t.a", severity = "info", cite = "EX-7",
  check = function() return "only a note" end }
rule { id = "ex/mixed", on = "t.a", severity = "info", cite = "EX-8",
  check = function() return { "a note", { message = "a gap", severity = "minor" } } end }
EOF
write "$TMP/xt/acme/policy.lua" <<'EOF'
return { waivers = { ["ex/waived"] = "risk accepted by the board, minute 2024-17" } }
EOF
event x1 >"$TMP/x1"
run "$EDICT" eval --packs "$X" --tenants "$TMP/xt" --limit-instructions 100000 --explain "$TMP/x1"
is "--explain: exit 0" "$RC" 0
is "--explain: explain comes last" "$(jv "$OUT" 'keys(L[1])[16]')" explain
is "--explain: one entry per rule considered, with its outcome" \
    "$(jv "$OUT" '(function() local o = {} for i, x in ipairs(D[1].explain) do o[i] = (x.rule or ("pack " .. x.pack .. " " .. x.version)) .. "=" .. x.outcome end return join(o) end)()')" \
    "pack ex v1=not_in_force,ex/holds=held,ex/fails=failed,ex/errors=error,ex/stops=stopped,ex/waived=waived,ex/notes=noted,ex/mixed=failed"
is "--explain: a not_in_force entry gives the window" "$(jv "$OUT" 'D[1].explain[1].effective')" "2020-01-01..2023-12-31"
is "--explain: a failed rule counts its findings" "$(jv "$OUT" 'D[1].explain[3].findings')" 2
is "--explain: a rule with only info findings is noted, and counts them" "$(jv "$OUT" 'D[1].explain[7].outcome .. " " .. D[1].explain[7].findings')" "noted 1"
is "--explain: entries name pack and version" "$(jv "$OUT" 'D[1].explain[2].pack .. " " .. D[1].explain[2].version')" "ex v2"
is "--explain: the decision itself unchanged" "$(jv "$OUT" 'D[1].flag .. " " .. D[1].score .. " " .. #D[1].findings .. " " .. #D[1].errors .. " " .. #D[1].waivers')" \
    "yellow 85 5 2 1"
is "--explain: the stopped rule's error names the limit" "$(jv "$OUT" 'D[1].errors[2].rule .. " " .. tostring(D[1].errors[2].limit)')" "ex/stops instructions"
run "$EDICT" eval --packs "$X" --tenants "$TMP/xt" --limit-instructions 100000 "$TMP/x1"
cp "$OUT" "$TMP/noexplain"
run "$EDICT" eval --packs "$X" --tenants "$TMP/xt" --limit-instructions 100000 --explain "$TMP/x1"
is "--explain: same decision fields as without it" \
    "$(jv "$OUT" '(L[1]:gsub(",\"explain\":%[.*%]}$", "}"))')" "$(cat "$TMP/noexplain")"

# --- --format pretty: the same decisions, for a person -----------------------
{ event p1 '{"sevs":["critical","minor"]}'; event p2 '{"boom":true}'; event p3; printf '{"id":"p4"}\n'; } >"$TMP/p"
run $E --format pretty --no-journal "$TMP/p"
is "pretty: exit 2 (one event not decided), as with json" "$RC" 2
has "pretty: the event on one line" "$OUT" "p1  tenant acme  t.a  US-XX  2024-06-01T12:00:00Z"
has "pretty: flag and score" "$OUT" "  RED  score 70  dec-"
has "pretty: a finding: severity and rule" "$OUT" "  critical  demo/list"
has "pretty: its message" "$OUT" "            finding 1"
has "pretty: its cite" "$OUT" "            cite: DEMO-1"
has "pretty: a rule error, where and why" "$OUT" "  ERROR     demo/boom at "
has "pretty: a green decision says there is nothing" "$OUT" "  no findings"
has "pretty: an event not decided, by its line" "$OUT" "line 4  p4  NOT DECIDED"
lacks "pretty: no JSON" "$OUT" '{"decision_id"'
run $E --format pretty --explain --no-journal "$TMP/f1"
has "pretty --explain: the trace as a table" "$OUT" "    demo/list"
run $E --format yaml "$TMP/f1"
is "--format yaml: usage error" "$RC:$(cat "$ERR")" "64:edict: --format takes json or pretty"
run $E --format json --no-journal "$TMP/f1"
is "--format json: the decision line" "$(head -c 15 "$OUT")" '{"decision_id":'

summary
