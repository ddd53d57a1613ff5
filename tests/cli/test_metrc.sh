# test_metrc.sh — edict's Metrc I/O against the emulator the project
# ships (adapters/metrc/emulator, started here on a loopback port): sync
# into the file store and PostgreSQL, paging and windows as Metrc has
# them, 401s, licence scoping, bad answers named by endpoint, 429 with
# Retry-After, the outbox sent exactly once under 20 % injected failures,
# dead letters with Metrc's row message, keys never printed.
. tests/cli/lib.sh
. tests/metrc.sh
. tests/pg.sh
OWN_PG=
trap 'emu_stop; [ -n "$OWN_PG" ] && pg_stop; rm -rf "$TMP"' EXIT

# every output and error of every command goes to all.log too: the keys
# must be in none of them
run() {
    "$@" >"$OUT" 2>"$ERR"
    RC=$?
    cat "$OUT" "$ERR" >>"$TMP/all.log"
    if grep -q -e 'Sanitizer' -e 'runtime error:' "$ERR"; then
        fail "sanitizer report from: $*" "$(grep -m 3 -e 'Sanitizer' -e 'runtime error:' "$ERR")"
    fi
}
VK=emu-vendor-key-$$-SECRETV
UK=emu-user-key-$$-SECRETU
cat >"$TMP/emu.json" <<EOF
{"vendor_key": "$VK", "users": {"$UK": ["OR-LIC-1", "OR-LIC-2"], "other-user-key": ["OR-LIC-9"]},
 "seed": {"packages": 45, "plants": 12, "plantbatches": 5, "harvests": 4, "transfers": 3},
 "spread_hours": 60}
EOF
emu_start "$TMP/emu.json" || { fail "emulator" "did not start"; summary; exit 1; }

umask 077
printf 'vendor_key=%s\nuser_key=%s\n' "$VK" "$UK" >"$TMP/keys"
unset EDICT_METRC_VENDOR_KEY EDICT_METRC_USER_KEY
J=$TMP/journal
# the common options (again after each emulator restart: a new port)
opts() {
    M="--tenant acme --base-url $EMU_URL --keys $TMP/keys --store $J --backoff 0.05"
}
opts

# ---- sync into the file store -----------------------------------------
run "$EDICT" metrc sync $M --license OR-LIC-1 --since 72h
is "sync exits 0" "$RC" 0
has "sync counts every resource (active and inactive lists)" "$OUT" \
    "synced OR-LIC-1 for tenant acme: 21 packages, 8 plants, 5 plantbatches, 2 harvests, 3 transfers"
# 11 lists x 3 windows of 24 h, a page each, and one more page of packages
# in each of the windows holding more than 20 (pageSize 20, Metrc's most)
emu_stats >"$TMP/stats.json"
is "no page asked more than 20 objects, none refused" \
    "$(jv "$TMP/stats.json" 'D[1].by_status["400"] or 0')" 0
run "$EDICT" metrc status --tenant acme --license OR-LIC-1 --store "$J"
has "status counts what the mirror holds" "$OUT" \
    "OR-LIC-1 for tenant acme: 21 packages, 8 plants, 5 plantbatches, 2 harvests, 3 transfers"
has "the sync log names the licence and its counts" "$OUT" '"counts":{"packages":21,'
has "the sync log has started and finished" "$OUT" '"finished":"'
n=$(ls "$J/metrc/acme/objects/OR-LIC-1/packages" | wc -l)
is "one file per package in the file store" "$n" 21
has "objects are kept as Metrc gave them" \
    "$(ls -d "$J"/metrc/acme/objects/OR-LIC-1/packages/*.json | head -1)" '"Label":"1A4LIC1PA'

# a second sync replaces, never duplicates
run "$EDICT" metrc sync $M --license OR-LIC-1 --since 72h
run "$EDICT" metrc status --tenant acme --license OR-LIC-1 --store "$J"
has "a second sync replaces objects" "$OUT" ": 21 packages, 8 plants"

# windows: 2-hour slices give the same objects in more requests
J2=$TMP/j2
run "$EDICT" metrc sync $M --license OR-LIC-1 --since 24h
want=$(head -1 "$OUT")
run "$EDICT" metrc sync --tenant acme --base-url "$EMU_URL" --keys "$TMP/keys" --store "$J2" \
    --license OR-LIC-1 --since 24h --window-hours 2
is "2-hour windows find the same objects as one 24-hour window" "$(head -1 "$OUT")" "$want"
# 11 lists x 12 windows, one page each (no 2-hour window holds 20)
has "2-hour windows: 12 slices for each of 11 lists" "$OUT" "132 pages, "
run "$EDICT" metrc sync $M --license OR-LIC-1 --since 72h --window-hours 25
is "a window over 24 hours is refused before asking Metrc" "$RC" 64

# ---- authentication and licence scoping ----------------------------------
printf 'vendor_key=%s\nuser_key=wrong-%s\n' "$VK" "$UK" >"$TMP/badkeys"
run "$EDICT" metrc sync --tenant acme --base-url "$EMU_URL" --keys "$TMP/badkeys" \
    --store "$TMP/j3" --license OR-LIC-1 --attempts 1
is "wrong keys: exit 1" "$RC" 1
has "a 401 names the endpoint and Metrc's message" "$ERR" \
    "GET /packages/v2/active?licenseNumber=OR-LIC-1&lastModifiedStart="
has "a 401 says HTTP 401" "$ERR" "HTTP 401: Authorization has been denied"
run "$EDICT" metrc sync $M --license OR-LIC-9 --attempts 1
is "another user's licence: exit 1" "$RC" 1
has "another user's licence is 401" "$ERR" "licenseNumber=OR-LIC-9"
chmod 644 "$TMP/keys"
run "$EDICT" metrc sync $M --license OR-LIC-1
is "a key file others can read is refused" "$RC" 1
has "the refusal says chmod 600" "$ERR" "chmod 600"
chmod 600 "$TMP/keys"
run env -u EDICT_METRC_VENDOR_KEY "$EDICT" metrc sync --tenant acme --base-url "$EMU_URL" \
    --store "$J" --license OR-LIC-1
has "no keys at all is said" "$ERR" "no Metrc keys"
run "$EDICT" metrc sync --tenant acme --base-url http://example.com --keys "$TMP/keys" \
    --store "$J" --license OR-LIC-1
has "plain http elsewhere than loopback is refused" "$ERR" "https only"

# ---- 429 with Retry-After: a client faster than Metrc's limit -----------
cat >"$TMP/slow.json" <<EOF
{"vendor_key": "$VK", "users": {"$UK": ["OR-LIC-1"]}, "spread_hours": 60,
 "limits": {"get_per_s_facility": 5, "get_per_s_integrator": 150,
            "concurrent_facility": 10, "concurrent_integrator": 30}, "retry_after_s": 1}
EOF
emu_stop
emu_start "$TMP/slow.json"
run "$EDICT" metrc sync --tenant acme --base-url "$EMU_URL" --keys "$TMP/keys" \
    --store "$TMP/j4" --license OR-LIC-1 --since 24h --rate-facility 50
is "throttled sync completes" "$RC" 0
is "throttled sync still gets every object" "$(head -1 "$OUT")" "$want"
case $(sed -n 2p "$OUT") in
*" 0 throttled"*) fail "429s were met" "$(cat "$OUT")" ;;
*) ok "429s were met and retried after Retry-After" ;;
esac
# the limiter set just under Metrc's limit meets none. (At exactly the
# limit, 5/s against 5/s, the emulator counts arrivals, which a loaded
# machine can bunch closer than the client's 50 ms margin: it flaked.)
emu_stop
emu_start "$TMP/slow.json"
run "$EDICT" metrc sync --tenant acme --base-url "$EMU_URL" --keys "$TMP/keys" \
    --store "$TMP/j5" --license OR-LIC-1 --since 24h --rate-facility 4
has "a limiter under Metrc's rate is never throttled" "$OUT" "(0 retried, 0 throttled), 0 errors"
emu_stop
emu_start "$TMP/emu.json"
opts

# ---- bad answers: named by endpoint, never a crash ----------------------
emu_faults '{"garbage_rate": 1.0, "only_paths": ["/harvests/"]}'
run "$EDICT" metrc sync $M --license OR-LIC-1 --since 24h
is "a non-JSON answer fails the sync" "$RC" 1
has "a non-JSON answer names the endpoint" "$ERR" "GET /harvests/v2/active?licenseNumber=OR-LIC-1"
has "and says what was wrong" "$ERR" "the answer is not JSON"
has "no harvest was stored" "$OUT" " 0 harvests,"
lacks "the rest was stored" "$OUT" " 0 packages,"
emu_faults '{"shape_rate": 1.0, "only_paths": ["/plants/"]}'
run "$EDICT" metrc sync $M --license OR-LIC-1 --since 24h
has "an answer of the wrong shape names the endpoint and what is wrong" "$ERR" \
    "GET /plants/v2/vegetative?licenseNumber=OR-LIC-1"
has "an answer of the wrong shape: Data is not a list" "$ERR" ": Data is not a list"
emu_faults '{"huge_rate": 1.0, "only_paths": ["/transfers/"]}'
run "$EDICT" metrc sync $M --license OR-LIC-1 --since 24h --attempts 1
has "a huge answer is cut at the bound, naming the endpoint" "$ERR" \
    "GET /transfers/v2/incoming?licenseNumber=OR-LIC-1"
has "a huge answer says the bound" "$ERR" "the answer passed"
emu_faults '{"cut_rate": 1.0, "only_paths": ["/plantbatches/"]}'
run "$EDICT" metrc sync $M --license OR-LIC-1 --since 24h --attempts 2
has "a cut connection names the endpoint and the attempts" "$ERR" "(after 2 attempts)"
emu_faults '{}'

# ---- 20 % failures during sync and push: nothing lost, nothing twice ----
emu_faults '{"error_rate": 0.1, "cut_rate": 0.1}'
J6=$TMP/j6
run "$EDICT" metrc sync $M --store "$J6" --license OR-LIC-2 --since 72h --attempts 8
is "sync under 20 % failures completes" "$RC" 0
has "sync under 20 % failures gets everything" "$OUT" \
    "synced OR-LIC-2 for tenant acme: 21 packages, 8 plants, 5 plantbatches, 2 harvests, 3 transfers"
case $(sed -n 2p "$OUT") in
*"(0 retried"*) fail "failures were injected" "$(cat "$OUT")" ;;
*) ok "failures were injected and retried" ;;
esac
# 30 adjustments of real packages, as 30 operations
i=0
while [ $i -lt 30 ]; do
    printf '[{"Label":"1A4LIC2PA%07d","Quantity":-1,"UnitOfMeasure":"Grams","AdjustmentReason":"Drying"}]\n' $i \
        >"$TMP/op$i.json"
    "$EDICT" metrc outbox add --tenant acme --store "$J6" --license OR-LIC-2 \
        --key "adj-$i" --path /packages/v2/adjust "$TMP/op$i.json" >/dev/null 2>&1
    i=$((i + 1))
done
run "$EDICT" metrc outbox --tenant acme --store "$J6" --only pending
is "30 operations pending" "$(grep -c . "$OUT")" 30
# a push that cannot reach Metrc keeps them all
run "$EDICT" metrc outbox push --tenant acme --store "$J6" --keys "$TMP/keys" \
    --base-url http://127.0.0.1:9 --attempts 1
is "Metrc unreachable: push exits 1" "$RC" 1
run "$EDICT" metrc outbox --tenant acme --store "$J6" --only pending
is "Metrc unreachable: all 30 still pending" "$(grep -c . "$OUT")" 30
# pushes until none is pending (each push retries within itself too):
# 10 % fail before Metrc applies them, 10 % after (the answer is lost)
emu_faults '{"error_rate": 0.1, "cut_after_rate": 0.1, "cut_after_keys": ["adj-3", "adj-17"]}'
p=0
while [ $p -lt 6 ]; do
    "$EDICT" metrc outbox push $M --store "$J6" --attempts 3 >/dev/null 2>&1 && break
    p=$((p + 1))
done
emu_faults '{}'
run "$EDICT" metrc outbox --tenant acme --store "$J6" --only sent
is "all 30 operations sent" "$(grep -c . "$OUT")" 30
emu_stats >"$TMP/stats.json"
is "Metrc applied each key exactly once" \
    "$(jv "$TMP/stats.json" 'count(L[1], "\": 1") >= 30 and (function() local n, bad = 0, 0 for k, v in pairs(D[1].applied) do if k:match("^adj%-") then n = n + 1; if v ~= 1 then bad = bad + 1 end end end return n .. "/" .. bad end)()')" "30/0"
is "received twice (applied, then the answer lost), applied once: the key" \
    "$(jv "$TMP/stats.json" 'D[1].receipts["adj-3"] >= 2 and D[1].applied["adj-3"] == 1 and D[1].receipts["adj-17"] >= 2 and D[1].applied["adj-17"] == 1')" true
is "failures were injected into the pushes" \
    "$(jv "$TMP/stats.json" '(D[1].by_path["/packages/v2/adjust"] or 0) > 30')" true
run "$EDICT" metrc outbox push $M --store "$J6"
has "a push with nothing pending sends nothing" "$OUT" "pushed: 0 sent, 0 dead, 0 still pending; 0 requests"

# ---- split at 10 objects, and a 400 row back to its object --------------
printf '[' >"$TMP/big.json"
i=0
while [ $i -lt 25 ]; do
    [ $i -gt 0 ] && printf ',' >>"$TMP/big.json"
    if [ $i -eq 13 ]; then
        printf '{"Label":"NO-SUCH-PKG","Quantity":-1}' >>"$TMP/big.json"
    else
        printf '{"Label":"1A4LIC2PA%07d","Quantity":-1}' $i >>"$TMP/big.json"
    fi
    i=$((i + 1))
done
printf ']' >>"$TMP/big.json"
run "$EDICT" metrc outbox add --tenant acme --store "$J6" --license OR-LIC-2 \
    --key big --path /packages/v2/adjust "$TMP/big.json"
has "25 objects are kept as 3 operations of at most 10" "$OUT" "3 operations kept"
run "$EDICT" metrc outbox add --tenant acme --store "$J6" --license OR-LIC-2 \
    --key big --path /packages/v2/adjust "$TMP/big.json"
has "the same key again keeps nothing" "$OUT" "0 operations kept"
run "$EDICT" metrc outbox push $M --store "$J6"
has "two parts sent, one dead" "$OUT" "pushed: 2 sent, 1 dead"
run "$EDICT" metrc outbox --tenant acme --store "$J6" --only dead
has "the dead letter is the part with the bad row" "$OUT" "big#2"
has "the dead letter names the object and Metrc's message" "$OUT" \
    "row 3 (NO-SUCH-PKG): Package NO-SUCH-PKG was not found."
emu_stats >"$TMP/stats.json"
is "no body over 10 objects reached Metrc" "$(jv "$TMP/stats.json" 'D[1].by_status["413"] or 0')" 0

# ---- edict serve on the file store: the sync by the node's clock, the
# outbox pushed after it, both in /metrics ---------------------------------
JS=$TMP/js
sed 's/LIC2/LIC1/' "$TMP/op0.json" >"$TMP/pgop.json"
"$EDICT" metrc outbox add --tenant acme --store "$JS" --license OR-LIC-1 \
    --key serve-op --path /packages/v2/adjust "$TMP/pgop.json" >/dev/null 2>&1
TOKEN=metrc-token-0123456789abcdef
HASH=$(printf '%s\n' "$TOKEN" | "$EDICT" serve --hash-token)
write "$TMP/serve.lua" <<EOF2
return {
  listen = "127.0.0.1:0", port_file = "$TMP/serve.port", workers = 1,
  tenants = { acme = { token_sha256 = "$HASH" } },
  packs = { "$ROOT/rules" }, tenants_dir = false, watch = false,
  journal = "$JS", state_dir = "$TMP/serve.state", jobs_poll_ms = 200,
  metrc = { { tenant = "acme", license = "OR-LIC-1", base_url = "$EMU_URL",
              keys = "$TMP/keys", sync_s = 3600 } },
}
EOF2
"$EDICT" serve --config "$TMP/serve.lua" 2>"$TMP/serve.log" &
SERVE=$!
i=0
while [ $i -lt 100 ]; do
    if [ -s "$TMP/serve.port" ] && curl -s "http://127.0.0.1:$(cat "$TMP/serve.port")/metrics" \
        >"$TMP/metrics" 2>/dev/null && grep -q 'edict_metrc_outbox{' "$TMP/metrics"; then
        break
    fi
    sleep 0.1
    i=$((i + 1))
done
# writes for Metrc over the API: kept in the outbox, for a configured licence only
post() {
    curl -s -o "$TMP/post.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
        --data "$1" "http://127.0.0.1:$(cat "$TMP/serve.port")/v1/metrc/outbox"
}
is "POST /v1/metrc/outbox: 202" \
    "$(post '{"license":"OR-LIC-1","path":"/packages/v2/adjust","key":"api-1","objects":[{"Label":"1A4LIC1PA0000001","Quantity":-2}]}')" 202
has "POST /v1/metrc/outbox: what was queued" "$TMP/post.out" '{"queued":1,"key":"api-1"}'
is "POST /v1/metrc/outbox for a licence not configured for the tenant: 403" \
    "$(post '{"license":"OR-LIC-2","path":"/packages/v2/adjust","key":"api-2","objects":[{}]}')" 403
is "POST /v1/metrc/outbox without objects: 400" \
    "$(post '{"license":"OR-LIC-1","path":"/packages/v2/adjust","key":"api-3"}')" 400
has "the 400 names the field" "$TMP/post.out" "/objects: a JSON array of objects"
kill -TERM "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null
run "$EDICT" metrc outbox --tenant acme --store "$JS" --only pending
has "the API's write waits in the outbox" "$OUT" "api-1	pending	POST /packages/v2/adjust	OR-LIC-1"
lacks "nothing was kept for the refused ones" "$OUT" "api-2"
has "serve (file store): the sync ran, in /metrics" "$TMP/metrics" \
    'edict_metrc_syncs_total{tenant="acme",license="OR-LIC-1",result="ok"} 1'
has "serve (file store): the outbox was pushed after it" "$TMP/metrics" \
    'edict_metrc_outbox{tenant="acme",license="OR-LIC-1",state="sent"} 1'
run "$EDICT" metrc status --tenant acme --license OR-LIC-1 --store "$JS"
has "serve (file store): the sync is in the log" "$OUT" '"license":"OR-LIC-1"'
lacks "serve (file store): no log line holds a key" "$TMP/serve.log" "SECRET"

# ---- keys never printed ---------------------------------------------------
found=$(grep -rl -e SECRETV -e SECRETU "$J" "$J6" 2>/dev/null | grep -v '/keys$' | head -1)
is "no stored file holds a key" "$found" ""

# ---- the same sync into PostgreSQL ---------------------------------------
pg_up=1
if [ -z "${EDICT_PG_ADMIN:-}" ]; then
    OWN_PG=1
    pg_start && pg_migrate || pg_up=
fi
if [ -n "$pg_up" ]; then
    PT=acme$$
    run "$EDICT" metrc sync --tenant "$PT" --base-url "$EMU_URL" --keys "$TMP/keys" \
        --store "$EDICT_PG_URL" --license OR-LIC-1 --since 72h
    is "sync into PostgreSQL exits 0" "$RC" 0
    has "PostgreSQL: the same counts" "$OUT" \
        "synced OR-LIC-1 for tenant $PT: 21 packages, 8 plants, 5 plantbatches, 2 harvests, 3 transfers"
    run "$EDICT" metrc status --tenant "$PT" --license OR-LIC-1 --store "$EDICT_PG_URL"
    has "PostgreSQL: status counts the rows" "$OUT" ": 21 packages, 8 plants"
    run "$EDICT" metrc status --tenant other --license OR-LIC-1 --store "$EDICT_PG_URL"
    has "PostgreSQL: another tenant sees none of it" "$OUT" ": 0 packages, 0 plants"
    run "$EDICT" metrc outbox add --tenant "$PT" --store "$EDICT_PG_URL" --license OR-LIC-1 \
        --key pg-1-$$ --path /packages/v2/adjust "$TMP/op0.json"
    has "PostgreSQL: outbox add" "$OUT" "1 operation kept"
    sed 's/LIC2/LIC1/' "$TMP/op0.json" >"$TMP/pgop.json"
    run "$EDICT" metrc outbox add --tenant "$PT" --store "$EDICT_PG_URL" --license OR-LIC-1 \
        --key pg-2-$$ --path /packages/v2/adjust "$TMP/pgop.json"
    run "$EDICT" metrc outbox push --tenant "$PT" --base-url "$EMU_URL" --keys "$TMP/keys" --store "$EDICT_PG_URL"
    has "PostgreSQL: push sends one, dead-letters the other" "$OUT" "pushed: 1 sent, 1 dead"
    run "$EDICT" metrc outbox --tenant "$PT" --store "$EDICT_PG_URL"
    has "PostgreSQL: the dead letter keeps Metrc's message" "$OUT" "row 0 (1A4LIC2PA0000000): Package 1A4LIC2PA0000000 was not found."
    has "PostgreSQL: the sent one" "$OUT" "pg-2-$$	sent"

    # ---- edict serve: the hourly sync, once per licence across two nodes --
    ST=serve$$
    PIDS=""
    start_node() {
        mkdir -p "$TMP/state.$1"
        write "$TMP/node.$1.lua" <<EOF2
return {
  listen = "127.0.0.1:0", port_file = "$TMP/port.$1", workers = 1,
  packs = { "$ROOT/rules" }, tenants_dir = false, watch = false,
  store = "$EDICT_PG_URL", state_dir = "$TMP/state.$1", jobs_poll_ms = 200,
  metrc = { { tenant = "$ST", license = "OR-LIC-1", base_url = "$EMU_URL",
              keys = "$TMP/keys", sync_s = 3600 } },
}
EOF2
        "$EDICT" serve --config "$TMP/node.$1.lua" 2>>"$TMP/node.$1.log" &
        PIDS="$PIDS $!"
    }
    start_node 1
    start_node 2
    i=0
    while [ $i -lt 100 ]; do
        runs=$(pg_admin_sql "SELECT count(*) FROM edict.job_runs WHERE name = 'metrc-sync:$ST:OR-LIC-1'")
        [ "$runs" -ge 1 ] 2>/dev/null && break
        sleep 0.1
        i=$((i + 1))
    done
    sleep 1 # both nodes poll five times more meanwhile
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    is "serve: two nodes ran the licence's sync once" \
        "$(pg_admin_sql "SELECT count(*) FROM edict.job_runs WHERE name = 'metrc-sync:$ST:OR-LIC-1' AND ok")" 1
    is "serve: one sync logged for the tenant" \
        "$(pg_admin_sql "SELECT count(*) FROM edict.metrc_sync WHERE tenant = '$ST'")" 1
    is "serve: the sync stored the packages changed in the last two hours" \
        "$(pg_admin_sql "SELECT count(*) > 0 FROM edict.metrc_object WHERE tenant = '$ST'")" t
    cat "$TMP"/node.*.log >"$TMP/nodes.log"
    has "serve: the run is logged" "$TMP/nodes.log" "metrc-sync:$ST:OR-LIC-1"
    # a claim or finish the database refused (a deadlock between one node's
    # claim and the other's finish once made a node run the sync twice)
    lacks "serve: no job's claim or finish was refused" "$TMP/nodes.log" \
        "could not be claimed or finished"
    lacks "serve: no log line holds a key" "$TMP/nodes.log" "SECRET"
else
    fail "postgresql" "the private server did not start"
fi

# ---- keys never printed, by any command above --------------------------
check "the commands' outputs were collected" [ -s "$TMP/all.log" ]
lacks "no output or error of any command holds the vendor key" "$TMP/all.log" "SECRETV"
lacks "no output or error of any command holds the user key" "$TMP/all.log" "SECRETU"

summary
