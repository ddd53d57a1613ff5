# test_metrc_rules.sh — edict.metrc, rules asking Metrc (the emulator):
# the allowlist's answers, one request per question per evaluation and a
# short per-tenant cache across them, a Metrc that fails or is slow gives
# the rule nil and a message and the decision lists the fact under
# "unavailable" (yellow, never silently green), the wait counts against the
# rule's time limit, keys only for the tenant and licence configured
# (eval and serve, two tenants with keys of their own), and serve's
# evaluator process asking through its worker.
. tests/cli/lib.sh
. tests/metrc.sh
trap 'emu_stop; rm -rf "$TMP"' EXIT

VK=emu-vendor-key-$$
UA=emu-user-a-$$
UB=emu-user-b-$$
cat >"$TMP/emu.json" <<EOF
{"vendor_key": "$VK", "users": {"$UA": ["OR-LIC-1"], "$UB": ["OR-LIC-9"]},
 "seed": {"packages": 3, "plants": 2, "plantbatches": 1, "harvests": 1, "transfers": 1}}
EOF
emu_start "$TMP/emu.json" || { fail "emulator" "did not start"; summary; exit 1; }
umask 077
printf 'vendor_key=%s\nuser_key=%s\n' "$VK" "$UA" >"$TMP/keys.a"
printf 'vendor_key=%s\nuser_key=%s\n' "$VK" "$UB" >"$TMP/keys.b"
unset EDICT_METRC_VENDOR_KEY EDICT_METRC_USER_KEY
PKG=$(curl -s -u "$VK:$UA" "$EMU_URL/packages/v2/active?licenseNumber=OR-LIC-1" | jv /dev/stdin 'D[1].Data[1].Label')
TAG=$(curl -s -u "$VK:$UA" "$EMU_URL/tags/v2/package/available?licenseNumber=OR-LIC-1" | jv /dev/stdin 'D[1].Data[1].Label')
PKG9=$(curl -s -u "$VK:$UB" "$EMU_URL/packages/v2/active?licenseNumber=OR-LIC-9" | jv /dev/stdin 'D[1].Data[1].Label')
check "the emulator has a package, a tag, and another licence's package" \
    [ -n "$PKG" ] && [ -n "$TAG" ] && [ -n "$PKG9" ] && [ "$PKG" != nil ]

mkpack "$TMP/p" ml 1.0 US-XX
write "$TMP/p/rules.lua" <<'EOF'
local metrc = require "edict.metrc"
rule { id = "ml/package", on = "t.a", severity = "major", cite = "test",
  check = function(e, ctx)
    local p, err = metrc.package(e.data.license, e.data.label)
    if p == nil then return end -- the decision lists it as unavailable
    if p == false then return ("package %s is not in Metrc"):format(e.data.label) end
    local again = metrc.package(e.data.license, e.data.label)
    if again ~= p then error("a second answer in one evaluation") end
    return { message = "found", severity = "info", details = { label = p.Label } }
  end }
rule { id = "ml/tag", on = "t.a", severity = "minor", cite = "test",
  check = function(e, ctx)
    if not e.data.tag then return end
    local ok, err = metrc.tag_available(e.data.license, e.data.tag)
    if ok == false then return "tag " .. e.data.tag .. " is not available" end
  end }
rule { id = "ml/facility", on = "t.b", severity = "minor", cite = "test",
  check = function(e, ctx)
    local f, err = metrc.facility(e.data.license)
    if f == false then return "no such facility" end
    if f then return { message = "facility", severity = "info", details = { name = f.Name } } end
  end }
rule { id = "ml/crash", on = "t.c", severity = "minor", cite = "test",
  check = function(e, ctx)
    local p = metrc.package(e.data.license, e.data.label)
    return p.Label -- unhandled nil when unavailable: a rule error, and the fact listed
  end }
EOF
ev() { # ev ID TYPE LICENSE LABEL [TAG [TENANT]]
    printf '{"id":"%s","type":"%s","tenant":"%s","jurisdiction":"US-XX","occurred_at":"2024-06-01T12:00:00Z","data":{"license":"%s","label":"%s"%s}}\n' \
        "$1" "$2" "${6:-acme}" "$3" "$4" "${5:+,\"tag\":\"$5\"}"
}
A="--packs $TMP/p --no-journal --tenant acme --metrc OR-LIC-1 --metrc-keys $TMP/keys.a --metrc-base-url $EMU_URL"
{ ev a1 t.a OR-LIC-1 "$PKG" "$TAG"; ev a2 t.a OR-LIC-1 NO-SUCH NO-TAG; ev a3 t.a OR-LIC-1 "$PKG" "$TAG";
  ev b1 t.b OR-LIC-1 x; ev a9 t.a OR-LIC-9 "$PKG9"; } >"$TMP/a.ndjson"
curl -s -X POST "$EMU_URL/_emulator/reset" >/dev/null
run "$EDICT" eval $A "$TMP/a.ndjson"
is "eval exits 0 (yellow is not a failure)" "$RC" 0
grep '"a1"' "$OUT" >"$TMP/a1"
is "package found: the rule reads it" "$(jv "$TMP/a1" 'D[1].findings[1].details.label .. " " .. D[1].flag')" "$PKG green"
grep '"a2"' "$OUT" >"$TMP/a2"
is "package and tag not in Metrc: false, the rule says so" \
    "$(jv "$TMP/a2" 'join(pluck(D[1].findings, "message"), "; ")')" \
    "package NO-SUCH is not in Metrc; tag NO-TAG is not available"
grep '"b1"' "$OUT" >"$TMP/b1"
is "facility by licence" "$(jv "$TMP/b1" 'D[1].findings[1].message')" facility
grep '"a9"' "$OUT" >"$TMP/a9"
is "another licence (no keys for it): unavailable, yellow, nothing found" \
    "$(jv "$TMP/a9" 'D[1].flag .. " " .. #D[1].findings .. " " .. D[1].unavailable[1].fact .. ": " .. D[1].unavailable[1].message')" \
    "yellow 0 metrc.package(OR-LIC-9, $PKG9): no Metrc keys are configured for tenant acme and licence OR-LIC-9"
lacks "a decision without unavailable facts has no unavailable key" "$TMP/a1" unavailable
emu_stats >"$TMP/stats.json"
is "one request per question: asked twice in a1, again in a3, once" \
    "$(jv "$TMP/stats.json" 'D[1].by_path["/packages/v2/'"$PKG"'"] .. " " .. D[1].by_path["/tags/v2/package/available"]')" "1 1"
is "no request for a licence without keys" "$(jv "$TMP/stats.json" 'str(D[1].by_path["/packages/v2/'"$PKG9"'"])')" nil

# ---- Metrc failing, slow, or the rule out of time ---------------------------
emu_faults '{"error_rate": 1.0, "only_paths": ["/packages/"]}'
{ ev f1 t.a OR-LIC-1 "$PKG"; ev f2 t.c OR-LIC-1 OTHER; } >"$TMP/f.ndjson"
run "$EDICT" eval $A "$TMP/f.ndjson"
grep '"f1"' "$OUT" >"$TMP/f1"
is "Metrc failing: the rule gets nil and a message; the decision is yellow, the fact listed" \
    "$(jv "$TMP/f1" 'D[1].flag .. " " .. #D[1].findings .. " " .. D[1].unavailable[1].rule .. " " .. D[1].unavailable[1].fact')" \
    "yellow 0 ml/package metrc.package(OR-LIC-1, $PKG)"
has "... with the endpoint and status" "$TMP/f1" "GET /packages/v2/$PKG?licenseNumber=OR-LIC-1: HTTP 50"
grep '"f2"' "$OUT" >"$TMP/f2"
is "a rule that does not handle it fails as a rule; the fact is still listed" \
    "$(jv "$TMP/f2" 'D[1].errors[1].rule .. " " .. D[1].unavailable[1].fact')" "ml/crash metrc.package(OR-LIC-1, OTHER)"
emu_faults '{"slow_rate": 1.0, "slow_ms": 3000, "only_paths": ["/packages/"]}'
ev s1 t.a OR-LIC-1 SLOW-1 >"$TMP/s1.ndjson"
run "$EDICT" eval $A --metrc-timeout 0.3 "$TMP/s1.ndjson"
is "slow Metrc: the call's time-out, then unavailable" \
    "$(jv "$OUT" 'D[1].flag .. " " .. tostring(D[1].unavailable[1].message:find("timed out", 1, true) ~= nil or D[1].unavailable[1].message:find("Timeout", 1, true) ~= nil)')" "yellow true"
ev s2 t.a OR-LIC-1 SLOW-2 >"$TMP/s2.ndjson"
run "$EDICT" eval $A --limit-time 400 "$TMP/s2.ndjson"
# the call's time-out is cut to what the rule has left: it gives up (and
# the fact is unavailable) instead of waiting for the 3 s answer, which
# would have come within its own 5 s time-out
is "the wait is the rule's time: with a 400 ms limit the call gives up, whatever the 5 s time-out" \
    "$(jv "$OUT" 'D[1].flag .. " " .. D[1].unavailable[1].fact .. " " .. tostring(D[1].unavailable[1].message:find("timed out", 1, true) ~= nil)')" \
    "yellow metrc.package(OR-LIC-1, SLOW-2) true"
emu_faults '{}'

# ---- edict serve: the evaluator process asks through its worker; each
# tenant with its own keys, never another's (metrc_waits = 0: the worker
# makes the GET and waits for it; the lanes that wait are tested below) ------
TA=token-a-0123456789abcdef
TB=token-b-0123456789abcdef
HA=$(printf '%s\n' "$TA" | "$EDICT" serve --hash-token)
HB=$(printf '%s\n' "$TB" | "$EDICT" serve --hash-token)
# serve_conf NAME SETTINGS: $TMP/NAME.lua, acme and beta each
# with Metrc keys of their own, journal $TMP/j-NAME; then started
serve_conf() {
    write "$TMP/$1.lua" <<EOF
return {
  listen = "127.0.0.1:0", port_file = "$TMP/$1.port", $2
  tenants = { acme = { token_sha256 = "$HA" }, beta = { token_sha256 = "$HB" } },
  packs = { "$TMP/p" }, tenants_dir = false, watch = false,
  journal = "$TMP/j-$1", state_dir = "$TMP/$1.state",
  metrc = { { tenant = "acme", license = "OR-LIC-1", base_url = "$EMU_URL",
              keys = "$TMP/keys.a", sync_s = 3600 },
            { tenant = "beta", license = "OR-LIC-9", base_url = "$EMU_URL",
              keys = "$TMP/keys.b", sync_s = 3600 } },
}
EOF
    serve_up "$TMP/$1.lua" "$TMP/$1.port" "$TMP/$1.log"
}
serve_conf serve "workers = 1, metrc_waits = 0,"
post() { # post TOKEN BODY-FILE
    curl -s -H "Authorization: Bearer $1" --data-binary @"$2" "$U/v1/evaluate"
}
ev sa t.a OR-LIC-1 "$PKG" "" acme >"$TMP/sa.json"
post "$TA" "$TMP/sa.json" >"$TMP/sa.out"
is "serve: acme's rule reads its package (through the evaluator's worker)" \
    "$(jv "$TMP/sa.out" 'D[1].decisions[1].findings[1].details.label')" "$PKG"
ev sb t.a OR-LIC-1 "$PKG" "" beta >"$TMP/sb.json"
post "$TB" "$TMP/sb.json" >"$TMP/sb.out"
is "serve: beta asking about acme's licence gets no answer from acme's keys" \
    "$(jv "$TMP/sb.out" 'D[1].decisions[1].flag .. " " .. D[1].decisions[1].unavailable[1].message')" \
    "yellow no Metrc keys are configured for tenant beta and licence OR-LIC-1"
ev sc t.a OR-LIC-9 "$PKG9" "" beta >"$TMP/sc.json"
post "$TB" "$TMP/sc.json" >"$TMP/sc.out"
is "serve: beta's own licence, with beta's keys (acme's cannot see it)" \
    "$(jv "$TMP/sc.out" 'D[1].decisions[1].findings[1].details.label')" "$PKG9"
ev sd t.a OR-LIC-9 "$PKG9" "" acme >"$TMP/sd.json"
post "$TA" "$TMP/sd.json" >"$TMP/sd.out"
is "serve: acme asking about beta's licence: unavailable" \
    "$(jv "$TMP/sd.out" 'D[1].decisions[1].unavailable[1].message')" \
    "no Metrc keys are configured for tenant acme and licence OR-LIC-9"
serve_down
lacks "serve: no log line holds a key" "$TMP/serve.log" "$UA"

# ---- edict serve: a rule waiting for Metrc holds its lane, not the worker:
# one worker, one lane that may wait (metrc_waits = 1), Metrc slow on
# packages (4 s) and quick on facilities ------------------------------------
serve_conf wait "workers = 1, metrc_waits = 1, shutdown_grace_ms = 20000, limits = { time_ms = 10000 },"
emu_faults '{"slow_rate": 1.0, "slow_ms": 4000, "only_paths": ["/packages/"]}'
# w1 waits for Metrc in the lane that may wait; the worker goes on
ev w1 t.a OR-LIC-1 SLOW-W1 "" acme >"$TMP/w1.json"
post "$TA" "$TMP/w1.json" >"$TMP/w1.out" &
W1=$!
sleep 0.5
curl -s "$U/healthz" >"$TMP/wh.out"
ev w2 t.b OR-LIC-9 x "" beta >"$TMP/w2.json"
post "$TB" "$TMP/w2.json" >"$TMP/w2.out"
if kill -0 $W1 2>/dev/null; then W1_RUNNING=yes; else W1_RUNNING=no; fi
is "serve: while a rule waits for Metrc, the worker decides another tenant's event" \
    "$(jv "$TMP/w2.out" 'D[1].decided .. " " .. D[1].decisions[1].findings[1].message') $W1_RUNNING" \
    "1 facility yes"
is "... and answers /healthz" "$(cat "$TMP/wh.out")" '{"status":"ok"}'
# w3 also waits (the last lane); w4 waits for a lane; a GET does not
ev w3 t.a OR-LIC-1 SLOW-W3 "" acme >"$TMP/w3.json"
post "$TA" "$TMP/w3.json" >"$TMP/w3.out" &
W3=$!
sleep 0.5
ev w4 t.b OR-LIC-9 x "" beta >"$TMP/w4.json"
post "$TB" "$TMP/w4.json" >"$TMP/w4.out" &
W4=$!
sleep 0.3
curl -s -H "Authorization: Bearer $TB" "$U/v1/decisions" >"$TMP/w5.out"
if kill -0 $W4 2>/dev/null; then W4_RUNNING=yes; else W4_RUNNING=no; fi
is "serve: with every lane waiting, an evaluation waits its turn; a GET does not" \
    "$W4_RUNNING $(jv "$TMP/w5.out" 'D[1].items[#D[1].items].decision.event_id')" "yes w2"
wait $W1 $W3 $W4
curl -s "$U/metrics" >"$TMP/wait.metrics"
has "... /metrics counts the requests whose rules waited for Metrc (w1 to w4)" "$TMP/wait.metrics" "edict_metrc_waits_total 4"
has "... and the one that waited for a lane" "$TMP/wait.metrics" "edict_lane_waits_total 1"
is "... the waiting rules decide with Metrc's answers once they come" \
    "$(jv "$TMP/w1.out" 'D[1].decisions[1].findings[1].message') / $(jv "$TMP/w3.out" 'D[1].decisions[1].findings[1].message')" \
    "package SLOW-W1 is not in Metrc / package SLOW-W3 is not in Metrc"
is "... and the evaluation that waited for a lane is decided" \
    "$(jv "$TMP/w4.out" 'D[1].decided .. " " .. D[1].decisions[1].event_id')" "1 w4"
# a client that leaves while its rule waits: the decision is still made
# and journaled, and the worker goes on
ev w6 t.a OR-LIC-1 SLOW-W6 "" acme >"$TMP/w6.json"
curl -s --max-time 1 -H "Authorization: Bearer $TA" --data-binary @"$TMP/w6.json" \
    "$U/v1/evaluate" >/dev/null 2>&1
sleep 4
curl -s -H "Authorization: Bearer $TA" "$U/v1/decisions" >"$TMP/w6.out"
is "serve: a client gone while its rule waited: the decision is journaled all the same" \
    "$(jv "$TMP/w6.out" '(function() local n = 0 for _, d in ipairs(D[1].items) do if d.decision.event_id == "w6" then n = n + 1 end end return n end)()')" 1
# SIGTERM while a rule waits: the request is answered before the server stops
emu_faults '{"slow_rate": 1.0, "slow_ms": 2000, "only_paths": ["/packages/"]}'
ev w7 t.a OR-LIC-1 SLOW-W7 "" acme >"$TMP/w7.json"
post "$TA" "$TMP/w7.json" >"$TMP/w7.out" &
W7=$!
sleep 0.5
serve_down
wait $W7
emu_faults '{}'
is "serve: stopped while a rule waits for Metrc: that request is still answered" \
    "$(jv "$TMP/w7.out" 'D[1].decisions[1].findings[1].message')" "package SLOW-W7 is not in Metrc"
run "$EDICT" audit verify --store "$TMP/j-wait"
is "... and the journal verifies" "$RC" 0
lacks "serve: no log line holds a key (waiting lanes)" "$TMP/wait.log" "$UA"

# ---- rules' calls share each licence's share of Metrc's limits: 12 rules
# waiting at once (2 workers, 9 lanes each), Metrc answering in 1 s and
# allowing 10 calls in flight per facility; edict keeps 5 of them in flight
# and the rest wait their turn, so none is refused (a 429 would make the
# fact unavailable: a yellow the event did not earn) ---------------------------
serve_conf gate "workers = 2, metrc_waits = 8, limits = { time_ms = 10000 },"
curl -s -X POST "$EMU_URL/_emulator/reset" >/dev/null
emu_faults '{"slow_rate": 1.0, "slow_ms": 1000, "only_paths": ["/packages/"]}'
GATED=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    ev g$i t.a OR-LIC-1 GATE-$i "" acme >"$TMP/g$i.json"
    post "$TA" "$TMP/g$i.json" >"$TMP/g$i.out" &
    GATED="$GATED $!"
done
wait $GATED
emu_faults '{}'
serve_down
is "serve: 12 rules asking Metrc at once all get their answer" \
    "$(cat "$TMP"/g*.out | grep -c '"package GATE-[0-9]* is not in Metrc"')" 12
is "... none of them unavailable" "$(cat "$TMP"/g*.out | grep -c '"unavailable"')" 0
emu_stats >"$TMP/gate.stats"
is "... Metrc saw at most 5 of the licence's calls in flight, and refused none" \
    "$(jv "$TMP/gate.stats" 'tostring(D[1].max_concurrent_facility <= 5 and D[1].max_concurrent_facility >= 2) .. " " .. tostring(D[1].by_status["429"])')" \
    "true nil"

# ---- keys never printed ------------------------------------------------------
cat "$TMP"/*.out "$OUT" "$ERR" >"$TMP/all" 2>/dev/null
lacks "no output holds user a's key" "$TMP/all" "$UA"
lacks "no output holds user b's key" "$TMP/all" "$UB"

summary
