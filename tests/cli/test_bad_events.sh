# test_bad_events.sh — events `edict eval` refuses: each gets an error line
# in its place on stdout and a line on stderr, the others are still decided,
# and the exit status is 2.
. tests/cli/lib.sh

P=$TMP/packs
mkpack "$P/demo" demo 1 US-XX
write "$P/demo/rules.lua" <<'EOF'
rule { id = "demo/seen", on = "t.a", severity = "info", cite = "DEMO-1",
  check = function(e, ctx) return "seen " .. e.id end }
EOF
E="$EDICT eval --packs $P"
AT=2024-06-01T12:00:00Z
H='"type":"t.a","tenant":"acme","jurisdiction":"US-XX"'

# Each case: a good event before it, the bad one, so every bad event sits
# between decided ones. Expected error text is matched exactly.
n=0
: >"$TMP/in.ndjson"
: >"$TMP/want"
bad() { # EVENT-JSON EXPECTED-ERROR
    n=$((n + 1))
    event "ok-$n" >>"$TMP/in.ndjson"
    printf '%s\n' "$1" >>"$TMP/in.ndjson"
    printf '%s\n' "$2" >>"$TMP/want"
}
bad '{"id":"x1",' "invalid JSON: Expected object key string but found T_END at character 13"
bad '{"id":"x2","type":"t.a",,}' "invalid JSON: Expected object key string but found T_COMMA at character 25"
bad '{"type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"'$AT'"}' "field 'id' is required"
bad '{"id":"m-type","tenant":"acme","jurisdiction":"US-XX","occurred_at":"'$AT'"}' "field 'type' is required"
bad '{"id":"m-tenant","type":"t.a","jurisdiction":"US-XX","occurred_at":"'$AT'"}' "field 'tenant' is required"
bad '{"id":"m-jur","type":"t.a","tenant":"acme","occurred_at":"'$AT'"}' "field 'jurisdiction' is required"
bad '{"id":"m-at",'"$H"'}' "field 'occurred_at' is required"
bad '{"id":null,'"$H"',"occurred_at":"'$AT'"}' "field 'id' is required"
bad '{"id":17,'"$H"',"occurred_at":"'$AT'"}' "field 'id' must be a string, not a number"
bad '{"id":"w-type","type":["t.a"],"tenant":"acme","jurisdiction":"US-XX","occurred_at":"'$AT'"}' "field 'type' must be a string, not an object or array"
bad '{"id":"w-tenant","type":"t.a","tenant":true,"jurisdiction":"US-XX","occurred_at":"'$AT'"}' "field 'tenant' must be a string, not a boolean"
bad '{"id":"w-at",'"$H"',"occurred_at":20240601}' "field 'occurred_at' must be a string, not a number"
bad '{"id":"",'"$H"',"occurred_at":"'$AT'"}' "field 'id' must not be empty"
bad '{"id":"t-month",'"$H"',"occurred_at":"2024-13-01T00:00:00Z"}' "field 'occurred_at': month 13 is out of range"
bad '{"id":"t-day",'"$H"',"occurred_at":"2023-02-29T00:00:00Z"}' "field 'occurred_at': day 29 is out of range for 2023-02"
bad '{"id":"t-zone",'"$H"',"occurred_at":"2024-06-01T12:00:00"}' "field 'occurred_at': expected 'Z', '+' or '-' at offset 19"
bad '{"id":"t-date",'"$H"',"occurred_at":"2024-06-01"}' "field 'occurred_at': expected 'T' or a space at offset 10"
bad '{"id":"t-word",'"$H"',"occurred_at":"yesterday"}' "field 'occurred_at': expected a 4-digit year at offset 0"
bad '{"id":"t-asof",'"$H"',"occurred_at":"'$AT'","as_of":"soon"}' "field 'as_of': expected a 4-digit year at offset 0"
bad '{"id":"d-arr",'"$H"',"occurred_at":"'$AT'","data":[1,2]}' "field 'data' must be an object, not an array"
bad '{"id":"d-str",'"$H"',"occurred_at":"'$AT'","data":"x"}' "field 'data' must be an object, not a string"
bad '{"id":"d-num",'"$H"',"occurred_at":"'$AT'","data":3}' "field 'data' must be an object, not a number"
bad '{"id":"j-unk","type":"t.a","tenant":"acme","jurisdiction":"US-ZZ","occurred_at":"'$AT'"}' "field 'jurisdiction': no loaded pack serves jurisdiction 'US-ZZ'"
bad '{"id":"ty-unk","type":"t.nope","tenant":"acme","jurisdiction":"US-XX","occurred_at":"'$AT'"}' "field 'type': no loaded pack decides events of type 't.nope' in jurisdiction 'US-XX'"
bad '["not","an","object"]' "an event must be a JSON object, not an array"
bad '"a string"' "an event must be a JSON object, not a string"
event ok-last >>"$TMP/in.ndjson"

run $E "$TMP/in.ndjson"
is "exit status 2" "$RC" 2
is "one stdout line per input line" "$(jv "$OUT" 'N')" $((2 * n + 1))
is "every good event decided (before and after each bad one)" \
    "$(jv "$OUT" '(function() local c = 0 for i = 1, N, 2 do if D[i].decision_id and D[i].event_id == (i == N and "ok-last" or "ok-" .. (i + 1) // 2) then c = c + 1 end end return c end)()')" \
    $((n + 1))
i=1
while [ $i -le $n ]; do
    want=$(sed -n "${i}p" "$TMP/want")
    line=$((2 * i))
    is "bad event $i (line $line): $want" "$(jv "$OUT" "D[$line].line .. ': ' .. tostring(D[$line].error)")" "$line: $want"
    has "bad event $i: on stderr too" "$ERR" "edict: line $line: $want"
    i=$((i + 1))
done
is "stderr: exactly one line per bad event" "$(grep -c '^edict: line [0-9]*: ' "$ERR")" $n
is "refused events name their id when they have one" "$(jv "$OUT" 'D[10].event_id .. "," .. tostring(D[6].event_id) .. "," .. tostring(D[2].event_id)')" "m-tenant,nil,nil"
has "invalid JSON names cjson's character offset" "$OUT" '"error":"invalid JSON: Expected object key string but found T_END at character 13"'

# size limits of the envelope fields
long=$(printf '%0300d' 0)
printf '{"id":"%s","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"%s"}\n' "$long" "$AT" >"$TMP/long"
run $E "$TMP/long"
is "an id over 256 bytes is refused" "$RC:$(jv "$OUT" 'tostring(D[1].error)')" "2:field 'id' is longer than 256 bytes"

# an event line over 8 MiB is refused; the next line is still decided
{
    printf '{"id":"big","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"%s","data":{"pad":"' "$AT"
    head -c 8500000 /dev/zero | tr '\0' 'a'
    printf '"}}\n'
    event after-big
} >"$TMP/big"
run $E "$TMP/big"
is "an event over 8 MiB is refused, the next decided" "$RC:$(jv "$OUT" 'N .. " " .. D[1].line .. " " .. D[1].error .. " " .. D[2].event_id')" \
    "2:2 1 event larger than 8 MiB after-big"

# the output is JSON, so UTF-8, whatever bytes came in
printf '{"id":"bad-\377-utf8","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"%s"}\n' "$AT" >"$TMP/latin1"
event after-latin1 >>"$TMP/latin1"
run $E "$TMP/latin1"
is "invalid UTF-8 in an event: every output line is still valid UTF-8" \
    "$(jv "$OUT" '(function() for i = 1, N do if not utf8.len(L[i]) then return "line " .. i .. " is not UTF-8" end end return "ok" end)()')" ok
is "invalid UTF-8 in an event: the next event is decided" "$(jv "$OUT" 'D[N].event_id')" after-latin1
printf '{"id":"u\\u00e9\\ud83d\\ude00","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"%s"}\n' "$AT" >"$TMP/unicode"
run $E "$TMP/unicode"
is "escaped unicode (with a surrogate pair) comes out as UTF-8" "$RC:$(jv "$OUT" 'D[1].event_id == "u\u{e9}\u{1f600}" and "same" or D[1].event_id')" "0:same"

# data: an empty JSON array
event d-empty '[]' >"$TMP/empty-array.ndjson"
run $E "$TMP/empty-array.ndjson"
# lua-cjson 2.1.0 (Debian 12) decodes [] and {} to the same empty table, so
# an empty array reads as an empty object: README documents the limitation.
is "data [] reads as an empty object (documented)" "$RC:$(jv "$OUT" 'tostring(D[1].event_id)')" "0:d-empty"

# data null or absent is fine
{
    printf '{"id":"dn",%s,"occurred_at":"%s","data":null}\n' "$H" "$AT"
    printf '{"id":"da",%s,"occurred_at":"%s"}\n' "$H" "$AT"
} >"$TMP/ok.ndjson"
run $E "$TMP/ok.ndjson"
is "data null or absent: decided" "$RC:$(jv "$OUT" 'D[1].event_id .. D[2].event_id')" "0:dnda"

# a whole input that is not JSON at all
printf 'hello\n' >"$TMP/junk"
run $E "$TMP/junk"
is "junk input: exit 2 and an error line" "$RC:$(jv "$OUT" 'D[1].line .. " " .. D[1].error:sub(1, 13)')" "2:1 invalid JSON:"

# an array that does not parse is reported at line 1
printf '[{"id":"a"},\n' >"$TMP/badarray"
run $E "$TMP/badarray"
is "broken array: one error at line 1, exit 2" "$RC:$(jv "$OUT" 'N .. " " .. D[1].line .. " " .. D[1].error:sub(1, 13)')" "2:1 1 invalid JSON:"

# arrays: events accepted before a bad one are all there, in order
{
    printf '['
    event a1 | tr -d '\n'
    printf ','
    event a2 | tr -d '\n'
    printf ',{"id":"a3",%s,"occurred_at":"2024-02-30T00:00:00Z"},' "$H"
    event a4 | tr -d '\n'
    printf ']\n'
} >"$TMP/arr.json"
run $E "$TMP/arr.json"
is "array: decided, refused, decided" "$RC|$(jv "$OUT" 'join({D[1].event_id, D[2].event_id, D[3].index .. "=" .. D[3].error, D[4].event_id}, "|")')" \
    "2|a1|a2|3=field 'occurred_at': day 30 is out of range for 2024-02|a4"
has "array: stderr names the index" "$ERR" "edict: index 3: field 'occurred_at': day 30 is out of range for 2024-02"

# what an event may cost is bounded before it is decoded (issue 10, 6): a
# small text that would decode into a huge tree is refused, the next event
# still decided
{ printf '{"id":"deep","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2024-06-01T12:00:00Z","data":{"a":%s}}\n' \
      "$(head -c 200 /dev/zero | tr '\0' '[')$(head -c 200 /dev/zero | tr '\0' ']')"
  printf '{"id":"wide","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2024-06-01T12:00:00Z","data":{"a":[%s[]]}}\n' \
      "$(yes '[],' | head -n 150000 | tr -d '\n')"
  event after-costly
} >"$TMP/costly.ndjson"
run "$EDICT" eval --packs "$P" --no-journal "$TMP/costly.ndjson"
has "a 200-deep event is refused, naming the depth" "$ERR" "line 1: event too deep: 202 levels"
has "a 300,000-value event is refused before decoding" "$ERR" "line 2: event too large: about 300010 values"
is "the event after them is decided" "$(grep -c '"event_id":"after-costly"' "$OUT")" 1

summary
