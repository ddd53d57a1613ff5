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
rule { id = "ml/why", on = "t.e", severity = "minor", cite = "test",
  check = function(e, ctx)
    local p, err = metrc.package(e.data.license, e.data.label)
    if p == nil then return err end
  end }
rule { id = "ml/late", on = "t.d", severity = "minor", cite = "test",
  check = function(e, ctx)
    local n = 0
    for i = 1, 300000 do n = n + i end -- past a small instruction limit first
    return metrc.package(e.data.license, e.data.label) == false and "late" or nil
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
grep '"a3"' "$OUT" >"$TMP/a3"
M="(L[1]:match('\"metrc_answers\":%[.-%],\"') or 'none')"
has "a3, answered from the host's 30 s cache, records the answer as a1 does" "$TMP/a3" "$(jv "$TMP/a1" "$M")"
is "... which records the package once although the rule asked twice" "$(jv "$TMP/a1" '#D[1].metrc_answers')" 2

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

# ---- the answers recorded in the decision; replay answers from them --------
J=$TMP/jr
{ ev r1 t.a OR-LIC-1 "$PKG" "$TAG"     # found, the tag available
  ev r2 t.a OR-LIC-9 "$PKG9"           # no keys for OR-LIC-9: unavailable
  ev r3 t.b OR-LIC-1 x                 # the facility
  ev r4 t.a OR-LIC-1 NO-SUCH; } >"$TMP/r.ndjson"  # 404: false
R="--packs $TMP/p --tenant acme --metrc OR-LIC-1 --metrc-keys $TMP/keys.a --metrc-base-url $EMU_URL"
EDICT_JOURNAL_DIR=$J run "$EDICT" eval $R "$TMP/r.ndjson"
is "journaled eval of four events that ask Metrc exits 0" "$RC" 0
cp "$OUT" "$TMP/r.out"
for i in 1 2 3 4; do grep "\"r$i\"" "$TMP/r.out" >"$TMP/r$i.out"; done
ANS='(function() local t = {} for _, a in ipairs(D[1].metrc_answers) do t[#t + 1] = a.license .. " " .. a.path .. " " .. str(a.status) end return join(t, "; ") end)()'
is "the decision records each answer in the order asked: licence, path, status" \
    "$(jv "$TMP/r1.out" "$ANS")" \
    "OR-LIC-1 /packages/v2/$PKG?licenseNumber=OR-LIC-1 200; OR-LIC-1 /tags/v2/package/available?licenseNumber=OR-LIC-1 200"
curl -s -u "$VK:$UA" "$EMU_URL/packages/v2/$PKG?licenseNumber=OR-LIC-1" >"$TMP/pkg.body"
curl -s -u "$VK:$UA" "$EMU_URL/tags/v2/package/available?licenseNumber=OR-LIC-1" >"$TMP/tag.body"
is "... the package's body: the exact bytes Metrc sent" "$(jv "$TMP/r1.out" 'D[1].metrc_answers[1].body')" "$(cat "$TMP/pkg.body")"
is "... the tag list's too" "$(jv "$TMP/r1.out" 'D[1].metrc_answers[2].body')" "$(cat "$TMP/tag.body")"
has "... after waivers, before errors" "$TMP/r1.out" '"waivers":[],"metrc_answers":[{"license":"OR-LIC-1","path":"/packages/v2/'
is "a question with no answer records the message, no status, no body" \
    "$(jv "$TMP/r2.out" 'D[1].metrc_answers[1].message .. " " .. str(D[1].metrc_answers[1].status) .. " " .. str(D[1].metrc_answers[1].body)')" \
    "no Metrc keys are configured for tenant acme and licence OR-LIC-9 nil nil"
is "the facility list is recorded" "$(jv "$TMP/r3.out" "$ANS")" "OR-LIC-1 /facilities/v2/ 200"
is "a 404 is recorded with its status and no body" \
    "$(jv "$TMP/r4.out" 'str(D[1].metrc_answers[1].status) .. " " .. str(D[1].metrc_answers[1].body) .. " " .. D[1].findings[1].message')" \
    "404 nil package NO-SUCH is not in Metrc"
is "a decision whose rules ask nothing has no metrc_answers key" \
    "$(ev r0 t.z OR-LIC-1 x | "$EDICT" eval --packs "$TMP/p" --no-journal --tenant acme - 2>&1 | grep -c metrc_answers)" 0
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
ev r1 t.a OR-LIC-1 "$PKG" "$TAG" >"$TMP/sr1.json"
post "$TA" "$TMP/sr1.json" >"$TMP/sr1.out"
RAW="(L[1]:match('\"metrc_answers\":%[.-%],\"') or 'none')"
has "serve records the same answers as eval, byte for byte (through the evaluator process)" \
    "$TMP/sr1.out" "$(jv "$TMP/r1.out" "$RAW")"
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
# a flood of rules asking Metrc, each with less time than Metrc takes
# (1.5 s against 3 s): the calls past the gate wait for a place for their
# whole time-out and are unavailable saying so; Metrc refuses none of them
serve_conf flood "workers = 2, metrc_waits = 8, limits = { time_ms = 1500 },"
curl -s -X POST "$EMU_URL/_emulator/reset" >/dev/null
emu_faults '{"slow_rate": 1.0, "slow_ms": 3000, "only_paths": ["/packages/"]}'
FLOOD=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    ev f$i t.a OR-LIC-1 FLOOD-$i "" acme >"$TMP/f$i.json"
    post "$TA" "$TMP/f$i.json" >"$TMP/f$i.out" &
    FLOOD="$FLOOD $!"
done
wait $FLOOD
emu_faults '{}'
serve_down
sleep 3 # the emulator is still answering the calls given up: let them end
is "a flood past the gate: every event decided, each yellow with its fact unavailable" \
    "$(cat "$TMP"/f[0-9]*.out | grep -c '"flag":"yellow".*"unavailable":\[{"rule":"ml/package"')" 12
check "... the calls that found no place say so" \
    grep -q 'for the whole time-out' "$TMP"/f[0-9]*.out
emu_stats >"$TMP/flood.stats"
is "... and Metrc refused none (no 429)" "$(jv "$TMP/flood.stats" 'tostring(D[1].by_status["429"])')" nil
# metrc_waits is bounded: a configuration asking for more lanes is refused
sed 's/metrc_waits = 8/metrc_waits = 9/' "$TMP/flood.lua" >"$TMP/toomany.lua"
run "$EDICT" serve --check --config "$TMP/toomany.lua"
is "serve --check refuses metrc_waits = 9, naming it" \
    "$RC $(grep -c 'metrc_waits.*out of range' "$ERR")" "1 1"

# ---- replay answers from the record, never from Metrc -------------------------
ID1=$(jv "$TMP/r1.out" 'D[1].decision_id')
# Metrc's data change: r1's available tag is taken by a new package
curl -s -u "$VK:$UA" -X POST -H 'Content-Type: application/json' \
    --data "[{\"Tag\":\"$TAG\",\"Item\":\"x\",\"Quantity\":1}]" \
    "$EMU_URL/packages/v2/?licenseNumber=OR-LIC-1" >/dev/null
ev r5 t.a OR-LIC-1 "$PKG" "$TAG" >"$TMP/r5.ndjson"
run "$EDICT" eval --no-journal $R "$TMP/r5.ndjson"
is "Metrc's data changed: the same event decided now finds the tag taken" \
    "$(jv "$OUT" 'join(pluck(D[1].findings, "rule"), " ")')" "ml/package ml/tag"
emu_stats >"$TMP/before.json"
EDICT_JOURNAL_DIR=$J run "$EDICT" replay "$ID1"
is "replay after Metrc's data changed: identical (the answers come from the record)" \
    "$RC $(cat "$OUT")" "0 $ID1 (tenant acme, entry 1): identical"
emu_stats >"$TMP/after.json"
is "... and replay asked the emulator nothing" \
    "$(jv "$TMP/after.json" 'D[1].requests')" "$(jv "$TMP/before.json" 'D[1].requests + 1')"
emu_stop
EDICT_JOURNAL_DIR=$J run "$EDICT" replay --tenant acme
is "replay with the emulator stopped: all four identical (found, no keys, facility, 404)" \
    "$RC $(grep -c ': identical' "$OUT")" "0 4"
EDICT_JOURNAL_DIR=$J run "$EDICT" audit package --tenant acme --out "$TMP/acme.tar"
is "a regulator package of those decisions" "$RC" 0
run "$EDICT" replay --package "$TMP/acme.tar"
is "replay --package, the emulator stopped: all four identical, from the recorded answers" \
    "$RC $(grep -c 'decisions replayed: 4 identical, 0 different' "$OUT")" "0 1"
# a rule stopped by a small instruction limit before it asked Metrc; replay
# (default limits) runs it on, and it asks what the decision has no answer to
ev l1 t.d OR-LIC-1 1A4LATE >"$TMP/l1.ndjson"
EDICT_JOURNAL_DIR=$TMP/jl run "$EDICT" eval $R --limit-instructions 100000 "$TMP/l1.ndjson"
is "a rule stopped before it asked Metrc: no answers recorded" \
    "$(jv "$OUT" 'D[1].errors[1].rule .. " " .. str(D[1].metrc_answers)')" "ml/late nil"
EDICT_JOURNAL_DIR=$TMP/jl run "$EDICT" replay --tenant acme
is "replay: DIFFERENT, the question unavailable, never asked of Metrc (stopped)" "$RC" 1
has "... and it says which question the decision has no answer to" "$OUT" \
    "(a rule asked Metrc what the decision records no answer to: GET /packages/v2/1A4LATE?licenseNumber=OR-LIC-1 for licence OR-LIC-1)"


# ---- edict test: fixtures stub edict.metrc ----------------------------------
# (through the lookup replay answers from too: engine/answers.c)
mkdir -p "$TMP/fixtures" && cp -r "$TMP/p" "$TMP/fixtures/fx"
write "$TMP/fixtures/fx/tests/metrc.lua" <<'EOF'
local function ev(data) data.license = data.license or "OR-LIC-1"
  return { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = data } end
return {
  { name = "package found", event = ev({ label = "1A4PKG" }),
    metrc = { packages = { ["1A4PKG"] = { Quantity = 5 } } },
    expect = { flag = "green", findings = { { rule = "ml/package", details = { label = "1A4PKG" } } } } },
  { name = "package not found", event = ev({ label = "1A4GONE" }),
    metrc = { packages = { ["1A4GONE"] = false } },
    expect = { flag = "yellow", findings = { "ml/package" }, messages = { "package 1A4GONE is not in Metrc" } } },
  { name = "Metrc unavailable", event = ev({ label = "1A4PKG" }),
    metrc = { unavailable = true },
    expect = { flag = "yellow", findings = {}, unavailable = { "metrc.package(OR-LIC-1, 1A4PKG)" } } },
  { name = "a question not stubbed is unavailable", event = ev({ label = "1A4OTHER" }),
    metrc = { packages = { ["1A4PKG"] = {} } },
    expect = { flag = "yellow", findings = {}, unavailable = { "metrc.package(OR-LIC-1, 1A4OTHER)" } } },
  { name = "tags available", event = ev({ label = "1A4PKG", tag = "1A4TAG2" }),
    metrc = { packages = { ["1A4PKG"] = {} }, tags = { "1A4TAG1" } },
    expect = { flag = "yellow", findings = { "ml/package", "ml/tag" } } },
  { name = "facility", event = { type = "t.b", occurred_at = "2024-06-01T12:00:00Z", data = { license = "OR-LIC-7" } },
    metrc = { facilities = { ["OR-LIC-7"] = { Name = "Seven" } } },
    expect = { flag = "green", findings = { { rule = "ml/facility", details = { name = "Seven" } } } } },
  { name = "answers as a decision records them", event = ev({ label = "1A4RAW" }),
    metrc = { answers = { { license = "OR-LIC-1", path = "/packages/v2/1A4RAW?licenseNumber=OR-LIC-1",
                            status = 200, body = '{"Label":"1A4RAW"}' } } },
    expect = { flag = "green", findings = { { rule = "ml/package", details = { label = "1A4RAW" } } } } },
  { name = "no metrc: as before, Metrc cannot be asked", event = ev({ label = "1A4PKG" }),
    expect = { flag = "yellow", findings = {}, unavailable = { "metrc.package(OR-LIC-1, 1A4PKG)" } } },
  { name = "an answer past what a decision records is not used",
    event = { type = "t.e", occurred_at = "2024-06-01T12:00:00Z", data = { license = "L1", label = "1A4BIG" } },
    metrc = { answers = { { license = "L1", path = "/packages/v2/1A4BIG?licenseNumber=L1", status = 200,
                            body = '{"Label":"1A4BIG","Pad":"' .. string.rep("x", 1100000) .. '"}' } } },
    expect = { flag = "yellow", findings = { "ml/why" }, unavailable = { "metrc.package(L1, 1A4BIG)" },
               messages = { "GET /packages/v2/1A4BIG?licenseNumber=L1: the answer would pass the 1024 KiB of answers a decision records" } } },
  { name = "an answer that is not UTF-8 is not used",
    event = { type = "t.e", occurred_at = "2024-06-01T12:00:00Z", data = { license = "L1", label = "1A4BAD" } },
    metrc = { answers = { { license = "L1", path = "/packages/v2/1A4BAD?licenseNumber=L1", status = 200,
                            body = '{"Label":"\xff"}' } } },
    expect = { flag = "yellow", findings = { "ml/why" },
               messages = { "GET /packages/v2/1A4BAD?licenseNumber=L1: the answer is not UTF-8" } } },
}
EOF
run "$EDICT" test -v "$TMP/fixtures/fx"
is "fixtures stubbing Metrc: found, not found, unavailable, not stubbed, tags, facility, raw answers, none, past the bound, not UTF-8" \
    "$RC $(tail -1 "$OUT")" "0 10 passed, 0 failed"
write "$TMP/fixtures/fx/tests/metrc.lua" <<'EOF'
return {
  { name = "wrong flag",
    event = { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = { license = "L1", label = "1A4X" } },
    metrc = { packages = { ["1A4X"] = false } },
    expect = { flag = "green" } },
  { name = "a malformed stub",
    event = { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = { license = "L1", label = "1A4X" } },
    metrc = { packages = { ["1A4X"] = 42 } },
    expect = { flag = "green" } },
  { name = "an unknown field", event = { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = {} },
    metrc = { package = {} }, expect = {} },
  { name = "a raw answer without its status",
    event = { type = "t.a", occurred_at = "2024-06-01T12:00:00Z", data = {} },
    metrc = { answers = { { license = "L1", path = "/x", body = "{}" } } }, expect = {} },
}
EOF
run "$EDICT" test "$TMP/fixtures/fx"
is "failing stubbed fixtures: each at its file:line, with what is wrong" "$RC:$(cat "$OUT")" '1:FAIL - fixtures/fx/tests/metrc.lua:2: wrong flag
    flag: expected green, got yellow
FAIL - fixtures/fx/tests/metrc.lua:6: a malformed stub
    metrc.packages["1A4X"]: the package as Metrc gives it (a table), or false when Metrc has none, not number
FAIL - fixtures/fx/tests/metrc.lua:10: an unknown field
    metrc: unknown field '"'"'package'"'"' (expected packages, plants, tags, facilities, unavailable or answers)
FAIL - fixtures/fx/tests/metrc.lua:12: a raw answer without its status
    metrc.answers[1].status or message: an answer has a status, or a message saying why none came
0 passed, 4 failed'
run "$EDICT" check "$TMP/fixtures/fx"
has "edict check names a malformed stub at its file:line" "$OUT" 'fixtures/fx/tests/metrc.lua:6: fixture 2 '"'"'a malformed stub'"'"': metrc.packages["1A4X"]'

# ---- keys never printed ------------------------------------------------------
cat "$TMP"/*.out "$OUT" "$ERR" >"$TMP/all" 2>/dev/null
lacks "no output holds user a's key" "$TMP/all" "$UA"
lacks "no output holds user b's key" "$TMP/all" "$UB"

summary
