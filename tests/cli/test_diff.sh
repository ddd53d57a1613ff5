# test_diff.sh — edict diff: the same events decided under two sets of
# packs (tests/cli/diff/v1 and v2: the limit moves from 10 to 5, a rule is
# removed, two are added, a jurisdiction is added), only the decisions that
# change reported, in text and in JSON, with the summary counts and the
# exit status 0 / 4 / 2 / 1 / 64; tenant overlays on both sides; the
# shipped packs against themselves change nothing.
. tests/cli/lib.sh

D=tests/cli/diff
DIFF="$EDICT diff --from $D/v1 --to $D/v2"
# edict diff never journals: any journal would land here
EDICT_JOURNAL_DIR=$TMP/journal
export EDICT_JOURNAL_DIR

# --- help and usage (64) ------------------------------------------------
run "$EDICT" diff --help
is "help: exit 0" "$RC" 0
has "help: usage line" "$OUT" "usage: edict diff --from DIR --to DIR [options] [FILE|-]"
has "help: documents exit 4" "$OUT" "4 some decision changed"
is "help: nothing on stderr" "$(wc -c <"$ERR")" 0
for o in --from --to --tenants --tenant --as-of --json --limit-instructions \
    --limit-memory --limit-time --help; do
    check "help documents $o" grep -q -- "^  $o " "$OUT"
done
run "$EDICT" diff --tenants "$TMP/nowhere" --help
is "help after other options: still help, exit 0" "$RC:$(head -1 "$OUT" | cut -d' ' -f1-3)" "0:usage: edict diff"
run "$EDICT" --help
check "edict --help lists diff" grep -Eq "^  diff " "$OUT"
run "$EDICT" diff --to $D/v2 $D/events.ndjson
is "usage: no --from: exit 64" "$RC" 64
has "usage: no --from: says what is missing" "$ERR" "--from DIR and --to DIR"
run "$EDICT" diff --from $D/v1 $D/events.ndjson
is "usage: no --to: exit 64" "$RC" 64
run $DIFF --packs rules $D/events.ndjson
is "usage: --packs is not a diff option: exit 64" "$RC" 64
run $DIFF $D/events.ndjson $D/events.ndjson
is "usage: two input files: exit 64" "$RC" 64
run $DIFF --as-of yesterday $D/events.ndjson
is "usage: bad --as-of: exit 64" "$RC" 64
run $DIFF --limit-time 0 $D/events.ndjson
is "usage: bad limit: exit 64" "$RC" 64

# --- packs with problems, unreadable input (1) ----------------------------
run "$EDICT" diff --from $D/v1 --to $D/broken $D/events.ndjson
is "broken --to: exit 1" "$RC" 1
has "broken --to: the problem with file:line" "$ERR" "broken/demo/pack.lua:7: effective_from: day 30 is out of range for 2026-02"
has "broken --to: says which side" "$ERR" "1 problem in the --to packs; nothing was compared"
is "broken --to: nothing on stdout" "$(wc -c <"$OUT")" 0
run "$EDICT" diff --from $D/broken --to $D/v2 $D/events.ndjson
is "broken --from: exit 1" "$RC" 1
has "broken --from: says which side" "$ERR" "in the --from packs"
run $DIFF "$TMP/no-such-file"
is "unreadable input: exit 1" "$RC" 1
run $DIFF --tenants "$TMP/no-such-folder" $D/events.ndjson
is "missing --tenants folder: exit 1" "$RC" 1

# --- nothing changes (0) --------------------------------------------------
run "$EDICT" diff --from $D/v2 --to $D/v2 $D/events.ndjson
is "same packs: exit 0" "$RC" 0
is "same packs: only the summary" "$(cat "$OUT")" "8 events, 0 changed, 8 unchanged, 0 refused"

# --- v1 -> v2, text -------------------------------------------------------
run $DIFF $D/events.ndjson
is "v1->v2: exit 4" "$RC" 4
is "v1->v2: nothing on stderr" "$(wc -c <"$ERR")" 0
lacks "unchanged event not reported (green)" "$OUT" "same-green"
lacks "unchanged event not reported (two info findings)" "$OUT" "same-notes"
is "changed events, in input order" "$(grep '^event ' "$OUT" | cut -d' ' -f2 | tr '\n' ' ')" \
    "to-red old-removed docs-added boom newly-served reworded "
has "block header" "$OUT" "event to-red (tenant acme, US-XX, t.a, occurred 2026-03-02T10:00:00Z)"
block() { sed -n "/^event $1 /,/^\$/p" "$OUT"; }
is "green->red with the finding added" "$(block to-red)" "event to-red (tenant acme, US-XX, t.a, occurred 2026-03-02T10:00:00Z)
  flag:        green → red
  score:       100 → 75
  findings:    + demo/over-limit (critical)
  obligations: + demo/over-limit: report the amount to the regulator, due 2026-03-02
  retention:   none → 2031-12-31
  packs:       demo 2026.1 → 2026.2"
has "removed finding" "$OUT" "  findings:    - demo/old (minor)"
block old-removed >"$TMP/b"
has "removed finding: yellow -> green" "$TMP/b" "  flag:        yellow → green"
has "a rule firing twice: counted" "$OUT" "  findings:    + demo/documents (major) ×2"
has "error added" "$OUT" "  errors:      + demo/strict: cannot read the record (at v2/demo/rules.lua:"
block boom >"$TMP/b"
has "error added: flag yellow, score unchanged" "$TMP/b" "  score:       100
  errors:"
has "same flag, reworded finding: old and new message" "$OUT" \
    '  findings:    ~ demo/over-limit (critical): "amount 20 is over the limit of 10" → "amount 20 is over the limit of 5"'
block reworded >"$TMP/b"
has "same flag shown once" "$TMP/b" "  flag:        red
  score:       75"
block newly-served >"$TMP/b"
has "refused -> decided is a change" "$TMP/b" "  flag:        refused → green"
has "refused -> decided: the reason" "$TMP/b" "  refused:     under \"from\": field 'jurisdiction': no loaded pack serves jurisdiction 'US-YY'"
has "refused -> decided: the pack now deciding" "$TMP/b" "  packs:       demo (none) → 2026.2"
is "summary line" "$(tail -1 "$OUT")" \
    "8 events, 6 changed (green→yellow: 2, green→red: 1, yellow→green: 1, red→red: 1, refused→green: 1), 2 unchanged, 0 refused"
has "versions in force changed: counted" "$OUT" "other pack versions decided 7 events (changed or not)"
check "no journal written" [ ! -e "$TMP/journal" ]
cp "$OUT" "$TMP/text1"
run $DIFF $D/events.ndjson
check "same input, same bytes" cmp -s "$OUT" "$TMP/text1"

# --- v1 -> v2, JSON -------------------------------------------------------
run $DIFF --json $D/events.ndjson
is "json: exit 4" "$RC" 4
J=$TMP/json
cp "$OUT" "$J"
is "json: 6 changed events and the summary, every line JSON" \
    "$(jv "$J" 'N .. " " .. #D')" "7 7"
is "json: keys of a changed event, in order" "$(jv "$J" 'join(keys(L[1]))')" \
    "event_id,tenant,jurisdiction,type,occurred_at,as_of,from,to,findings_added,findings_removed,findings_changed,obligations_added,obligations_removed,retention_until,errors_added,errors_removed,waivers_added,waivers_removed,versions_changed"
is "json: green -> red" \
    "$(jv "$J" 'D[1].event_id .. " " .. D[1].tenant .. " " .. D[1].from.flag .. "->" .. D[1].to.flag .. " " .. D[1].from.score .. "->" .. D[1].to.score')" \
    "to-red acme green->red 100->75"
is "json: finding added" "$(jv "$J" 'D[1].findings_added[1].rule .. " " .. D[1].findings_added[1].severity .. " " .. D[1].findings_added[1].count .. " " .. #D[1].findings_removed')" \
    "demo/over-limit critical 1 0"
is "json: obligation added, retention" \
    "$(jv "$J" 'D[1].obligations_added[1].action .. " " .. D[1].obligations_added[1].due .. " " .. str(D[1].retention_until.from) .. "->" .. D[1].retention_until.to')" \
    "report the amount to the regulator 2026-03-02 null->2031-12-31"
is "json: packs and versions of each side" \
    "$(jv "$J" 'D[1].from.packs[1].name .. " " .. D[1].from.packs[1].version .. " -> " .. D[1].to.packs[1].version .. " " .. tostring(D[1].versions_changed)')" \
    "demo 2026.1 -> 2026.2 true"
check "json: decision ids and digests are there" \
    [ "$(jv "$J" 'D[1].from.decision_id:match("^dec%-%x+$") ~= nil and D[1].to.packs[1].digest:match("^sha256:") ~= nil')" = true ]
is "json: finding removed" "$(jv "$J" 'D[2].event_id .. " " .. D[2].findings_removed[1].rule .. " " .. D[2].findings_removed[1].severity .. " " .. D[2].findings_removed[1].count')" \
    "old-removed demo/old minor 1"
is "json: counts" "$(jv "$J" 'D[3].findings_added[1].rule .. " x" .. D[3].findings_added[1].count')" "demo/documents x2"
is "json: error added" "$(jv "$J" 'D[4].errors_added[1].rule .. ": " .. D[4].errors_added[1].message')" \
    "demo/strict: cannot read the record"
is "json: refused side" "$(jv "$J" 'D[5].from.flag .. " " .. D[5].from.reason .. " " .. tostring(D[5].from.score) .. " -> " .. D[5].to.flag')" \
    "refused field 'jurisdiction': no loaded pack serves jurisdiction 'US-YY' nil -> green"
is "json: reworded finding, both versions" \
    "$(jv "$J" 'D[6].findings_changed[1].rule .. " | " .. D[6].findings_changed[1].from.message .. " | " .. D[6].findings_changed[1].to.message')" \
    "demo/over-limit | amount 20 is over the limit of 10 | amount 20 is over the limit of 5"
is "json: empty lists are written as []" "$(grep -c '"findings_added":\[\],' "$J")" 4
is "json: summary" \
    "$(jv "$J" 'D[7].summary.events .. " " .. D[7].summary.changed .. " " .. D[7].summary.unchanged .. " " .. D[7].summary.refused .. " " .. D[7].summary.versions_changed')" \
    "8 6 2 0 7"
is "json: transitions" \
    "$(jv "$J" '(function() local t = {} for i, x in ipairs(D[7].summary.transitions) do t[i] = x.from .. ">" .. x.to .. ":" .. x.count end return join(t) end)()')" \
    "green>yellow:2,green>red:1,yellow>green:1,red>red:1,refused>green:1"

# --- v2 -> v1: the other way round -----------------------------------------
run "$EDICT" diff --json --from $D/v2 --to $D/v1 $D/events.ndjson
is "reverse: exit 4" "$RC" 4
is "reverse: decided -> refused is a change" \
    "$(jv "$OUT" '(function() local r for i = 1, N do if D[i].event_id == "newly-served" then r = D[i] end end return r.from.flag .. "->" .. r.to.flag .. " " .. r.to.reason end)()')" \
    "green->refused field 'jurisdiction': no loaded pack serves jurisdiction 'US-YY'"
is "reverse: findings removed, errors removed" \
    "$(jv "$OUT" 'D[1].findings_removed[1].rule .. " " .. D[3].findings_removed[1].count .. " " .. D[4].errors_removed[1].rule')" \
    "demo/over-limit 2 demo/strict"
is "reverse: summary" "$(jv "$OUT" 'D[N].summary.changed .. " " .. D[N].summary.unchanged')" "6 2"

# --- bad events, refused on both sides (2) --------------------------------
{
    printf '%s\n' '{"id":"zz","type":"t.a","tenant":"acme","jurisdiction":"US-ZZ","occurred_at":"2026-03-02T10:00:00Z"}'
    printf '%s\n' '{"id":"cut"'
    printf '%s\n' '{"id":"no-tenant","type":"t.a"}'
    event to-red '{"amount":7}' 2026-03-02T10:00:00Z t.a US-XX acme
} >"$TMP/bad.ndjson"
run $DIFF "$TMP/bad.ndjson"
is "bad events: exit 2 (before 4)" "$RC" 2
has "refused on both sides: error line" "$OUT" "line 1 (event zz): refused: field 'jurisdiction': no loaded pack serves jurisdiction 'US-ZZ'"
has "invalid JSON: error line" "$OUT" "line 2: refused: invalid JSON:"
has "bad envelope: error line" "$OUT" "line 3 (event no-tenant): refused: field 'tenant' is required"
has "bad events: on stderr too" "$ERR" "edict: line 2: invalid JSON"
has "bad events: the rest compared" "$OUT" "event to-red "
is "bad events: summary" "$(tail -1 "$OUT")" "4 events, 1 changed (green→red: 1), 0 unchanged, 3 refused"
run $DIFF --json "$TMP/bad.ndjson"
is "bad events, json: error lines as edict eval writes them" \
    "$(jv "$OUT" 'D[1].line .. " " .. D[1].event_id .. " | " .. D[2].line .. " " .. str(D[2].event_id) .. " | " .. D[4].event_id .. " | " .. D[5].summary.refused')" \
    "1 zz | 2 nil | to-red | 3"

# --- input forms: array, one object, stdin ----------------------------------
{
    printf '['
    sed '$!s/$/,/' $D/events.ndjson
    printf ']\n'
} >"$TMP/array.json"
run $DIFF "$TMP/array.json"
is "array input: same summary" "$(tail -1 "$OUT")" "$(tail -1 "$TMP/text1")"
run $DIFF --json "$TMP/array.json"
is "array input, json: the same first change" "$(jv "$OUT" 'D[1].event_id')" "to-red"
printf '[{"id":"x"}, %s]\n' "$(sed -n 3p $D/events.ndjson)" >"$TMP/array-bad.json"
run $DIFF --json "$TMP/array-bad.json"
is "array input: a bad element's error line names its index" \
    "$RC $(jv "$OUT" 'D[1].index .. " " .. D[1].error .. " | " .. D[2].event_id')" \
    "2 1 field 'type' is required | to-red"
sed -n 3p $D/events.ndjson >"$TMP/one.json"
run $DIFF "$TMP/one.json"
is "one object: exit 4" "$RC" 4
is "one object: summary" "$(tail -1 "$OUT")" "1 event, 1 changed (green→red: 1), 0 unchanged, 0 refused"
run sh -c "$DIFF - <$D/events.ndjson"
check "stdin: same report" cmp -s "$OUT" "$TMP/text1"

# --- tenant overlays, the same on both sides ------------------------------
{
    event seven '{"amount":7}' 2026-03-02T10:00:00Z t.a US-XX acme
    event twelve '{"amount":12}' 2026-03-02T10:00:00Z t.a US-XX acme
    event big '{"amount":150,"reviewed":true}' 2026-03-02T10:00:00Z t.a US-XX acme
} >"$TMP/acme.ndjson"
run $DIFF "$TMP/acme.ndjson"
is "without overlays: the limit moves from 10 to 5" "$(tail -1 "$OUT")" \
    "3 events, 3 changed (green→red: 1, red→red: 2), 0 unchanged, 0 refused"
run $DIFF --tenants $D/tenants --json "$TMP/acme.ndjson"
is "with acme's overlay (limit 100) on both sides: 7 and 12 do not change" \
    "$(jv "$OUT" 'N .. " " .. D[1].event_id .. " " .. D[N].summary.unchanged')" "2 big 2"
is "with the overlay: it decides on both sides" \
    "$(jv "$OUT" 'D[1].from.packs[2].name .. " " .. D[1].to.packs[2].name')" "tenant:acme tenant:acme"
is "with the overlay: its own rule fires alike on both sides" \
    "$(jv "$OUT" '#D[1].findings_added + #D[1].findings_removed + #D[1].findings_changed')" 0
event nameless '{"amount":12}' 2026-03-02T10:00:00Z | sed 's/"tenant":"acme",//' >"$TMP/nameless.ndjson"
run $DIFF --tenants $D/tenants --tenant acme "$TMP/nameless.ndjson"
is "--tenant: the event takes the tenant, overlay on both sides" "$RC:$(tail -1 "$OUT")" \
    "0:1 event, 0 changed, 1 unchanged, 0 refused"
run $DIFF --tenant globex $D/events.ndjson
is "--tenant: events of another tenant are refused" "$RC:$(tail -1 "$OUT")" \
    "2:8 events, 0 changed, 0 unchanged, 8 refused"

# --- --as-of ----------------------------------------------------------------
run $DIFF --json --as-of 2027-01-15T00:00:00Z "$TMP/one.json"
is "--as-of: decided as of that moment on both sides" \
    "$(jv "$OUT" 'D[1].as_of .. " " .. D[1].obligations_added[1].due')" "2027-01-15T00:00:00Z 2027-01-15"

# --- details as deep as the engine allows are compared, not refused ---------
for side in a b; do
    mkpack "$TMP/deep-$side/p" p "$side" US-XX
    write "$TMP/deep-$side/p/rules.lua" <<EOF
rule { id = "p/deep", on = "t.a", severity = "minor", cite = "X",
  check = function(e)
    local d = { leaf = "$side" }
    for i = 1, e.data.depth do d = { x = d } end
    return { message = "deep", details = d }
  end }
EOF
done
event deep '{"depth":63}' >"$TMP/deep.ndjson"
run "$EDICT" diff --json --from "$TMP/deep-a" --to "$TMP/deep-b" "$TMP/deep.ndjson"
is "deep details: a change of the finding's details" \
    "$RC $(jv "$OUT" 'D[1].findings_changed[1].rule .. " " .. D[1].findings_changed[1].from.message .. " " .. D[N].summary.refused')" \
    "4 p/deep deep 0"

# --- the shipped packs against themselves change nothing -----------------
run "$EDICT" diff --from rules --from jurisdictions --to rules --to jurisdictions examples/employee.ndjson
check "shipped packs: not 1 (packs with problems) nor 4 (changed)" [ "$RC" -eq 0 -o "$RC" -eq 2 ]
is "shipped packs: no event reported" "$(grep -c '^event ' "$OUT")" 0
tail -1 "$OUT" >"$TMP/s"
has "shipped packs: 0 changed" "$TMP/s" " events, 0 changed, "
run "$EDICT" diff --json --from rules --from jurisdictions --to rules --to jurisdictions examples/employee.ndjson
is "shipped packs, json: 0 changed, no transitions, same versions" \
    "$(jv "$OUT" 'D[N].summary.changed .. " " .. #D[N].summary.transitions .. " " .. D[N].summary.versions_changed')" "0 0 0"
check "shipped packs: every decided event unchanged" \
    [ "$(jv "$OUT" 'D[N].summary.unchanged + D[N].summary.refused == D[N].summary.events and D[N].summary.unchanged > 0')" = true ]

summary
