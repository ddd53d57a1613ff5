# test_eval_input.sh — the input forms of `edict eval`: one object, an
# array, NDJSON, pretty-printed objects, blank lines, stdin, input order.
. tests/cli/lib.sh

P=$TMP/packs
mkpack "$P/demo" demo 1 US-XX
write "$P/demo/rules.lua" <<'EOF'
rule { id = "demo/flag", on = "t.a", severity = "major", cite = "DEMO-1",
  check = function(e, ctx)
    if e.data.bad then return "flagged " .. e.id end
  end }
EOF
E="$EDICT eval --packs $P"

# --- one JSON object, no trailing newline -------------------------------
event one '{"bad":true}' | tr -d '\n' >"$TMP/one.json"
run $E "$TMP/one.json"
is "object: exit 0" "$RC" 0
is "object: one decision" "$(jv "$OUT" 'N')" 1
is "object: decides the event" "$(jv "$OUT" 'D[1].event_id .. " " .. D[1].flag')" "one yellow"
has "object: the rule's finding" "$OUT" '"message":"flagged one"'

# --- a JSON array ---------------------------------------------------------
{
    printf '['
    event a1 | tr -d '\n'
    printf ',{"id":7},'
    event a3 '{"bad":1}' | tr -d '\n'
    printf ',42]\n'
} >"$TMP/array.json"
run $E "$TMP/array.json"
is "array: exit 2 (bad elements)" "$RC" 2
is "array: one line per element" "$(jv "$OUT" 'N')" 4
is "array: decisions in order" "$(jv "$OUT" 'D[1].event_id .. "," .. D[3].event_id')" "a1,a3"
is "array: bad element reported by index" "$(jv "$OUT" 'D[2].index .. "|" .. tostring(D[2].line) .. "|" .. D[2].error')" \
    "2|nil|field 'id' must be a string, not a number"
is "array: error line has index first" "$(jv "$OUT" 'join(keys(L[2]))')" "index,error"
is "array: a non-object element" "$(jv "$OUT" 'D[4].index .. " " .. D[4].error')" \
    "4 an event must be a JSON object, not a number"
has "array: stderr names index 2" "$ERR" "edict: index 2: field 'id' must be a string, not a number"
has "array: stderr names index 4" "$ERR" "edict: index 4: an event must be a JSON object, not a number"

# a pretty-printed array (spans lines, nested objects) is one array
{
    echo '['
    echo '  {'
    echo '    "id": "pa1", "type": "t.a", "tenant": "acme", "jurisdiction": "US-XX",'
    echo '    "occurred_at": "2024-06-01T12:00:00Z",'
    echo '    "data": {'
    echo '      "bad": true'
    echo '    }'
    echo '  },'
    echo '  {"id": "pa2", "type": "t.a", "tenant": "acme", "jurisdiction": "US-XX", "occurred_at": "2024-06-01T12:00:00Z"}'
    echo ']'
} >"$TMP/parray.json"
run $E "$TMP/parray.json"
is "pretty array: exit 0" "$RC" 0
is "pretty array: both decided in order" "$(jv "$OUT" 'N .. ":" .. D[1].event_id .. "," .. D[2].event_id .. ":" .. D[1].flag')" "2:pa1,pa2:yellow"

# an empty array decides nothing and succeeds
printf '[]\n' >"$TMP/empty.json"
run $E "$TMP/empty.json"
is "empty array: exit 0, no output" "$RC:$(wc -c <"$OUT")" "0:0"

# --- NDJSON, blank lines skipped, line numbers are physical -------------
{
    event n1
    echo
    echo '   '
    event n2 '{"bad":1}'
    echo '{"id":"n3","type":"t.a"'
    echo
    event n4
} >"$TMP/in.ndjson"
run $E "$TMP/in.ndjson"
is "ndjson: exit 2" "$RC" 2
is "ndjson: one line per event, blank lines skipped" "$(jv "$OUT" 'N')" 4
is "ndjson: order" "$(jv "$OUT" 'join({D[1].event_id, D[2].event_id, D[3].line, D[4].event_id})')" "n1,n2,5,n4"
is "ndjson: error line has line first" "$(jv "$OUT" 'join(keys(L[3]))')" "line,error"
has "ndjson: invalid JSON message" "$OUT" '{"line":5,"error":"invalid JSON: '
has "ndjson: stderr names line 5" "$ERR" "edict: line 5: invalid JSON: "
lacks "ndjson: blank lines are not errors" "$ERR" "line 2:"

# CRLF line endings
event c1 | sed 's/$/\r/' >"$TMP/crlf.ndjson"
printf '\r\n' >>"$TMP/crlf.ndjson"
event c2 | sed 's/$/\r/' >>"$TMP/crlf.ndjson"
run $E "$TMP/crlf.ndjson"
is "crlf: both decided" "$RC:$(jv "$OUT" 'D[1].event_id .. D[2].event_id')" "0:c1c2"

# --- pretty-printed objects (first line a lone "{") -----------------------
{
    echo '{'
    echo '  "id": "pp1",'
    echo '  "type": "t.a", "tenant": "acme", "jurisdiction": "US-XX",'
    echo '  "occurred_at": "2024-06-01T12:00:00Z"'
    echo '}'
    event pp2 '{"bad":1}'
    echo '{"id":"pp3"}'
} >"$TMP/pretty.ndjson"
run $E "$TMP/pretty.ndjson"
is "pretty flat object: decided, then NDJSON continues" \
    "$(jv "$OUT" 'join({D[1].event_id, D[2].event_id, D[3].line})')" "pp1,pp2,7"
is "pretty flat object: exit 2 for line 7 only" "$RC" 2

# as `jq .` or json.dumps(indent=2) write it: nested objects close with an
# indented "}" before the event's own "}"
{
    echo '{'
    echo '  "id": "pp4",'
    echo '  "type": "t.a",'
    echo '  "tenant": "acme",'
    echo '  "jurisdiction": "US-XX",'
    echo '  "occurred_at": "2024-06-01T12:00:00Z",'
    echo '  "data": {'
    echo '    "bad": true'
    echo '  }'
    echo '}'
    event pp5
} >"$TMP/nested.ndjson"
run $E "$TMP/nested.ndjson"
is "pretty nested object: exit 0" "$RC" 0
is "pretty nested object: two decisions" "$(jv "$OUT" 'N .. ":" .. tostring(D[1].event_id) .. "," .. tostring(D[2] and D[2].event_id)')" "2:pp4,pp5"
is "pretty nested object: data seen by the rule" "$(jv "$OUT" 'tostring(D[1].flag)')" "yellow"

# tab-indented (json.dumps(indent="\t")) and unindented (json.dumps(indent=0))
# pretty-printing: the event still ends at its own closing brace
{
    printf '{\n\t"id": "tab1",\n\t"type": "t.a",\n\t"tenant": "acme",\n\t"jurisdiction": "US-XX",\n'
    printf '\t"occurred_at": "2024-06-01T12:00:00Z",\n\t"data": {\n\t\t"bad": true\n\t}\n}\n'
} >"$TMP/tabs.ndjson"
run $E "$TMP/tabs.ndjson"
is "pretty, tab-indented: one decision" "$RC:$(jv "$OUT" 'N .. " " .. tostring(D[1].event_id) .. " " .. tostring(D[1].flag)')" "0:1 tab1 yellow"
{
    echo '{'
    echo '"id": "flat0",'
    echo '"type": "t.a",'
    echo '"tenant": "acme",'
    echo '"jurisdiction": "US-XX",'
    echo '"occurred_at": "2024-06-01T12:00:00Z",'
    echo '"data": {'
    echo '"bad": true,'
    echo '"list": ['
    echo '{'
    echo '"k": 1'
    echo '}'
    echo ']'
    echo '}'
    echo '}'
    event after0
} >"$TMP/indent0.ndjson"
run $E "$TMP/indent0.ndjson"
is "pretty, unindented (indent=0) with nested objects: exit 0" "$RC" 0
is "pretty, unindented (indent=0) with nested objects: two decisions" \
    "$(jv "$OUT" 'N .. ":" .. tostring(D[1].event_id) .. "," .. tostring(D[N].event_id) .. ":" .. tostring(D[1].flag)')" "2:flat0,after0:yellow"

# --- stdin ---------------------------------------------------------------
run $E "$TMP/in.ndjson"
cp "$OUT" "$TMP/from-file"
$E - <"$TMP/in.ndjson" >"$TMP/from-dash" 2>/dev/null
rc_dash=$?
$E <"$TMP/in.ndjson" >"$TMP/from-stdin" 2>/dev/null
rc_stdin=$?
check "stdin '-': same output as the file" cmp -s "$TMP/from-file" "$TMP/from-dash"
check "stdin (no FILE): same output as the file" cmp -s "$TMP/from-file" "$TMP/from-stdin"
is "stdin: same exit status" "$rc_dash,$rc_stdin" "2,2"
# through a pipe (not a regular file)
# shellcheck disable=SC2002 # a pipe on purpose, not a regular file
cat "$TMP/array.json" | $E - >"$TMP/pipe-array" 2>/dev/null
run $E "$TMP/array.json"
check "stdin pipe: array form too" cmp -s "$OUT" "$TMP/pipe-array"

# --- output in input order over many events ---------------------------------
i=1
: >"$TMP/many.ndjson"
while [ $i -le 40 ]; do
    n=$(printf '%02d' $i)
    case $((i % 7)) in
    0) echo '{"id":"bad-'"$n"'"}' >>"$TMP/many.ndjson" ;;
    3) event "m$n" '{"bad":1}' >>"$TMP/many.ndjson" ;;
    *) event "m$n" >>"$TMP/many.ndjson" ;;
    esac
    i=$((i + 1))
done
run $E "$TMP/many.ndjson"
got=$(jv "$OUT" '(function() local o = {} for i = 1, N do o[i] = D[i].line and ("L" .. D[i].line) or D[i].event_id end return join(o) end)()')
want=$(i=1; while [ $i -le 40 ]; do n=$(printf '%02d' $i); if [ $((i % 7)) -eq 0 ]; then printf 'L%s,' $i; else printf 'm%s,' "$n"; fi; i=$((i + 1)); done)
is "order: 40 events, decisions and errors in input order" "$got," "$want"
is "order: refused events keep their event_id" "$(jv "$OUT" 'D[7].event_id')" "bad-07"
is "order: one stderr line per bad event" "$(grep -c '^edict: line [0-9]*: ' "$ERR")" 5

# --- the shipped example: one output line per input line ---------------------
if [ -f examples/employee.ndjson ] && [ -d rules/employee-flags ]; then
    run "$EDICT" eval --packs rules examples/employee.ndjson
    is "examples/employee.ndjson: one line out per event in" "$(jv "$OUT" 'N')" "$(grep -c '[^[:space:]]' examples/employee.ndjson)"
fi

summary
