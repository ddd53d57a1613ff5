# test_nodes.sh — several `edict serve` nodes on one PostgreSQL database
# (the private server of tests/pg.sh; tests/run.sh starts one, else this
# script does). Scheduled work: two nodes polling the retention sweep run
# it exactly once per period between them, a job made due again runs once
# more, and a lease held by a node that died keeps the job from running
# until it expires; an Idempotency-Key answered by one node is replayed by
# the other (which never saw it), its reuse with another body refused, and
# a key another node has claimed answered 409; `edict packs publish`
# reaches both nodes (by NOTIFY: they poll once a minute), also after
# their listening connections were cut, a generation that does not pass is
# refused by both, and a node started later serves the newest; kill -9 of
# a node under load loses no acknowledged decision; PostgreSQL restarted
# under load: every answer is a committed 200 or a 503 with Retry-After.
. tests/cli/lib.sh
. tests/pg.sh

if ! command -v curl >/dev/null 2>&1; then
    fail "setup" "curl is not installed (make deps)"
    summary
fi
pg_test_db edict_nodes
"$EDICT" db migrate --store "$OWNER_URL" >/dev/null
"$EDICT" eval --packs rules --store "$URL" >/dev/null <<'EOF2'
{"id":"n1","type":"employee.compliance","tenant":"acme","jurisdiction":"US-TX","occurred_at":"2026-01-01T10:00:00Z","data":{}}
EOF2

TOKEN=nodes-token-0123456789abcdef
HASH=$(printf '%s\n' "$TOKEN" | "$EDICT" serve --hash-token)
TOKEN_B=nodes-token-beta-0123456789abcdef
HASH_B=$(printf '%s\n' "$TOKEN_B" | "$EDICT" serve --hash-token)
PIDS=""
# start_node N [extra config]: node N serves this database on a port of
# its own (in $TMP/port.N); its log is $TMP/node.N.log
start_node() {
    mkdir -p "$TMP/state.$1"
    rm -f "$TMP/port.$1"
    write "$TMP/node.$1.lua" <<EOF2
return {
  listen = "127.0.0.1:0", port_file = "$TMP/port.$1", workers = 2,
  packs = { "$ROOT/rules" }, tenants_dir = false, watch = false,
  store = "$URL", state_dir = "$TMP/state.$1",
  tenants = { acme = { token_sha256 = "$HASH", rate_per_minute = 600000, burst = 10000 },
              beta = { token_sha256 = "$HASH_B", rate_per_minute = 600000, burst = 10000 } },
  $2
}
EOF2
    "$EDICT" serve --config "$TMP/node.$1.lua" 2>>"$TMP/node.$1.log" &
    eval "NODE_$1=\$!"
    PIDS="$PIDS $!"
}
wait_port() {
    i=0
    while [ ! -s "$TMP/port.$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    cat "$TMP/port.$1" 2>/dev/null
}
stop_nodes() {
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    PIDS=""
}
# wait_sql SQL WANT: until SQL answers WANT (10 s at most); prints the last answer
wait_sql() {
    i=0
    got=$(db_sql "$1")
    while [ "$got" != "$2" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
        got=$(db_sql "$1")
    done
    printf '%s' "$got"
}
RUNS="SELECT count(*) FROM edict.job_runs WHERE name = 'retention'"

# --- scheduled work: a job runs exactly once ---------------------------------
# a period of an hour: both nodes look for due work every 100 ms
JOBS='retention_sweep_s = 3600, deadline_alerts_s = 0, jobs_poll_ms = 100,'
start_node 1 "$JOBS packs_poll_ms = 60000,"
start_node 2 "$JOBS packs_poll_ms = 60000,"
P1=$(wait_port 1)
P2=$(wait_port 2)
check "node 1 listens" [ -n "$P1" ]
check "node 2 listens" [ -n "$P2" ]
is "the retention sweep ran" "$(wait_sql "$RUNS" 1)" 1
# both nodes have looked for due work many times since
sleep 1.5
is "two nodes polling every 100 ms: it ran exactly once in its period" "$(db_sql "$RUNS")" 1
is "and succeeded, with the sweep's report" \
    "$(db_sql "SELECT ok, message LIKE '%tenant acme:%archived%' FROM edict.job_runs")" "t|t"
is "the next run is an hour after the first was due" \
    "$(db_sql "SELECT round(extract(epoch FROM j.run_at - r.due_at)) FROM edict.jobs j, edict.job_runs r WHERE j.name = r.name")" 3600
is "its lease was given up" \
    "$(db_sql "SELECT count(*) FROM edict.lease WHERE name = 'job:retention' AND expires_at > now()")" 0
ran_by=$(db_sql "SELECT holder FROM edict.job_runs")
cat "$TMP/node.1.log" "$TMP/node.2.log" >"$TMP/both.log"
is "exactly one node logged the run" "$(grep -c '"scheduled job ran"' "$TMP/both.log")" 1

# the next period comes (moved up by hand): one more run, by either node
db_sql "UPDATE edict.jobs SET run_at = now() WHERE name = 'retention'" >/dev/null
is "due again: it ran once more" "$(wait_sql "$RUNS" 2)" 2
sleep 1
is "and only once" "$(db_sql "$RUNS")" 2
is "each run for a due time of its own" \
    "$(db_sql "SELECT count(DISTINCT due_at) FROM edict.job_runs")" 2

# a node that died mid-run left its lease: nobody runs the job until it
# expires, then one node does
db_sql "INSERT INTO edict.lease VALUES ('job:retention', 'dead-node', now() + interval '2 seconds') ON CONFLICT (name) DO UPDATE SET holder = 'dead-node', expires_at = EXCLUDED.expires_at" >/dev/null
db_sql "UPDATE edict.jobs SET run_at = now() WHERE name = 'retention'" >/dev/null
sleep 1
is "a dead node's lease holds the job back" "$(db_sql "$RUNS")" 2
is "past its expiry the job runs" "$(wait_sql "$RUNS" 3)" 3
sleep 1
is "once" "$(db_sql "$RUNS")" 3
[ -n "$ran_by" ] && ok "the run names its node ($ran_by)" || fail "run holder" "empty"

# --- idempotency across nodes ----------------------------------------------
# post NODE_PORT KEY BODY NAME: the answer's status, headers in NAME.h and
# body in NAME.b
post() {
    curl -s -D "$TMP/$4.h" -o "$TMP/$4.b" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        -H "Idempotency-Key: $2" --data "$3" "http://127.0.0.1:$1/v1/evaluate"
}
EV1='{"id":"idem-1","type":"employee.compliance","jurisdiction":"US-TX","occurred_at":"2026-02-01T10:00:00Z","data":{}}'
EV2='{"id":"idem-2","type":"employee.compliance","jurisdiction":"US-TX","occurred_at":"2026-02-01T10:00:00Z","data":{}}'
is "a request with an Idempotency-Key to node 1: 200" "$(post "$P1" key-1 "$EV1" a)" 200
is "its repeat sent to node 2, which never saw it: 200" "$(post "$P2" key-1 "$EV1" b)" 200
has "node 2 says it is a replay" "$TMP/b.h" "Idempotent-Replayed: true"
check "node 2 answers node 1's first answer, byte for byte" cmp -s "$TMP/a.b" "$TMP/b.b"
is "and decided nothing: one decision in the journal" \
    "$(db_sql "SELECT count(*) FROM edict.journal WHERE event_id = 'idem-1'")" 1
is "node 2 keeps it in memory now: a third repeat there replays too" \
    "$(post "$P2" key-1 "$EV1" c)" 200
has "(replayed)" "$TMP/c.h" "Idempotent-Replayed: true"
is "the key with another body at the other node: 422" "$(post "$P2" key-1 "$EV2" d)" 422
is "a key node 2 has not seen, with another body than node 1 got: 422" \
    "$(post "$P1" key-2 "$EV1" e)$(post "$P2" key-2 "$EV2" f)" 200422
has "(the key's reuse is named)" "$TMP/f.b" "idempotency_key_reused"
is "and node 2 decided nothing for it" \
    "$(db_sql "SELECT count(*) FROM edict.journal WHERE event_id = 'idem-2'")" 0
# a key another node has claimed and not answered yet (as when two nodes
# get it at the same moment): 409, nothing decided; once the claim expires
# (its node died) the key is decided
db_sql "INSERT INTO edict.idempotency_claim VALUES ('acme', 'evaluate:key-3', '\\x00', now() + interval '1 hour')" >/dev/null
EV3='{"id":"idem-3","type":"employee.compliance","jurisdiction":"US-TX","occurred_at":"2026-02-01T10:00:00Z","data":{}}'
is "a key another node is answering: 409" "$(post "$P1" key-3 "$EV3" g)" 409
has "(with Retry-After)" "$TMP/g.h" "Retry-After: 1"
is "nothing decided for it" "$(db_sql "SELECT count(*) FROM edict.journal WHERE event_id = 'idem-3'")" 0
db_sql "UPDATE edict.idempotency_claim SET expires_at = now() WHERE key = 'evaluate:key-3'" >/dev/null
is "once that claim expired: 200" "$(post "$P1" key-3 "$EV3" h)" 200
is "the claim is this node's now" \
    "$(db_sql "SELECT expires_at > now() + interval '1 minute' FROM edict.idempotency_claim WHERE key = 'evaluate:key-3'")" t
is "and the repeat at the other node is a replay" "$(post "$P2" key-3 "$EV3" i)" 200
has "(replayed)" "$TMP/i.h" "Idempotent-Replayed: true"

# --- packs publish: a generation published reaches every node --------------
# the nodes poll once a minute: within seconds, only LISTEN/NOTIFY brings it
packs_json() { curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/v1/packs"; }
is "before any publish the nodes serve their files" \
    "$(packs_json "$P1" | grep -c '"source":"packs","published":null')" 1
cp -r "$ROOT/rules" "$TMP/pub"
sed -i 's/version = "2026.1"/version = "2026.9"/' "$TMP/pub/employee-flags/pack.lua"
run "$EDICT" packs publish "$TMP/pub" --store "$URL" --by tester
is "edict packs publish: 0" "$RC" 0
has "it names the generation" "$OUT" "as generation 1"
is "the database holds every file with its digest" \
    "$(db_sql "SELECT count(*) = (SELECT files FROM edict.pack_generation WHERE id = 1) AND bool_and(digest = encode(sha256(bytes), 'hex')) FROM edict.pack_file WHERE generation = 1")" t
# wait_packs PORT TEXT: until /v1/packs holds TEXT (10 s at most)
wait_packs() {
    i=0
    while ! packs_json "$1" | grep -q "$2" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    packs_json "$1" | grep -c "$2"
}
is "node 1 serves published generation 1" "$(wait_packs "$P1" '"published":1,')" 1
is "node 2 too" "$(wait_packs "$P2" '"published":1,')" 1
is "with the published pack's version" "$(packs_json "$P2" | grep -c '"version":"2026.9"')" 1
check "each node's files come from the database" [ -f "$TMP/state.2/published/1/employee-flags/pack.lua" ]
code=$(curl -s -o "$TMP/pub.resp" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    --data '{"id":"pub-1","type":"employee.compliance","jurisdiction":"US-TX","occurred_at":"2026-02-01T10:00:00Z","data":{}}' \
    "http://127.0.0.1:$P2/v1/evaluate")
is "node 2 decides with it" "$code:$(grep -c '"version":"2026.9"' "$TMP/pub.resp")" 200:1
# a generation that does not pass: published, refused by every node
printf 'return {\n' >"$TMP/pub/employee-flags/certs.lua"
run "$EDICT" packs publish "$TMP/pub" --store "$URL"
is "a broken tree is published (the nodes judge it)" "$RC" 0
is "node 1 refuses generation 2 and keeps serving 1" \
    "$(i=0; while ! packs_json "$P1" | grep -q '"ok":false' && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; packs_json "$P1" | grep -c '"published":1,.*"ok":false,"at":"[^"]*","by":"publish:2"')" 1
is "node 2 too" \
    "$(i=0; while ! packs_json "$P2" | grep -q '"ok":false' && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; packs_json "$P2" | grep -c '"published":1,')" 1
# the nodes' listening connections are cut (a database restart, the
# network): a notification sent meanwhile is lost, so a node that connects
# again listens again and re-reads the current generation
cp -r "$ROOT/rules" "$TMP/pub3"
sed -i 's/version = "2026.1"/version = "2026.3"/' "$TMP/pub3/employee-flags/pack.lua"
is "two nodes listen" "$(db_sql "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB' AND query = 'LISTEN edict_packs'")" 2
db_sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$DB' AND query = 'LISTEN edict_packs'" >/dev/null
run "$EDICT" packs publish "$TMP/pub3" --store "$URL"
is "after their connections were cut, node 1 gets generation 3" "$(wait_packs "$P1" '"published":3,')" 1
is "node 2 too" "$(wait_packs "$P2" '"published":3,')" 1
is "and both listen again" "$(wait_sql "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB' AND query = 'LISTEN edict_packs'" 2)" 2
is "the trees of older generations are gone from the nodes' state: only 3 is kept" \
    "$(ls "$TMP/state.1/published" | tr '\n' ' ')$(ls "$TMP/state.2/published" | tr '\n' ' ')" "3 3 "
# a node that was down when a generation was published gets it when it starts
stop_nodes
sed -i 's/version = "2026.3"/version = "2026.4"/' "$TMP/pub3/employee-flags/pack.lua"
run "$EDICT" packs publish "$TMP/pub3" --store "$URL"
start_node 1 "$JOBS packs_poll_ms = 60000,"
P1=$(wait_port 1)
is "a node started after a publish serves it" "$(wait_packs "$P1" '"published":4,')" 1
"$EDICT" eval --packs rules --store "$TMP/folder-store" >/dev/null <<'EOF2'
{"id":"f1","type":"employee.compliance","tenant":"acme","jurisdiction":"US-TX","occurred_at":"2026-01-01T10:00:00Z","data":{}}
EOF2
run "$EDICT" packs publish "$TMP/pub3" --store "$TMP/folder-store"
is "publish to a folder store: refused" "$RC" 1
has "(says why)" "$ERR" "not a PostgreSQL store"

# --- kill -9 of a node under load ---------------------------------------------
# both nodes take events of both tenants; node 1 is killed mid-stream:
# every decision either node acknowledged (200) is in the database, and
# both tenants' chains verify
start_node 2 "$JOBS packs_poll_ms = 60000,"
P2=$(wait_port 2)
# load PORT NAME: requests until the node stops answering; each answer's
# status and body (one line) to NAME.acks
load() {
    n=0
    while [ $n -lt 2000 ]; do
        n=$((n + 1))
        if [ $((n % 2)) = 0 ]; then tok=$TOKEN; else tok=$TOKEN_B; fi
        out=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $tok" \
            --data "{\"id\":\"$2-$n\",\"type\":\"employee.compliance\",\"jurisdiction\":\"US-TX\",\"occurred_at\":\"2026-02-01T10:00:00Z\",\"data\":{}}" \
            "http://127.0.0.1:$1/v1/evaluate") || break
        code=$(printf '%s\n' "$out" | tail -1)
        [ "$code" = 000 ] && break
        printf '%s %s\n' "$code" "$(printf '%s\n' "$out" | head -1 | sed -n 's/.*"decision_id":"\(dec-[0-9a-f]*\)".*/\1/p')" >>"$TMP/$2.acks"
    done
}
: >"$TMP/k1.acks"; : >"$TMP/k2.acks"
load "$P1" k1 &
L1=$!
load "$P2" k2 &
L2=$!
sleep 2
kill -9 "$NODE_1"
wait "$NODE_1" 2>/dev/null
PIDS=$NODE_2
wait "$L1"
sleep 1
kill "$L2" 2>/dev/null
wait "$L2" 2>/dev/null
cat "$TMP/k1.acks" "$TMP/k2.acks" | awk '$1 == 200 && $2 != "" {print $2}' | sort >"$TMP/acked"
check "node 1 acknowledged decisions before it was killed" [ "$(awk '$1 == 200' "$TMP/k1.acks" | wc -l)" -gt 0 ]
check "node 2 acknowledged decisions too" [ "$(awk '$1 == 200' "$TMP/k2.acks" | wc -l)" -gt 0 ]
db_sql "SELECT decision_id FROM edict.journal WHERE decision_id <> ''" | sort >"$TMP/in_db"
is "after kill -9 of node 1: no acknowledged decision missing" \
    "$(comm -23 "$TMP/acked" "$TMP/in_db" | wc -l)" 0
is "every answer was a 200 (none refused)" "$(cat "$TMP/k1.acks" "$TMP/k2.acks" | awk '$1 != 200' | wc -l)" 0
run "$EDICT" audit verify --store "$URL"
is "both tenants' chains verify" "$RC" 0
has "(acme's)" "$OUT" "tenant acme:"
has "(beta's)" "$OUT" "tenant beta:"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    --data '{"id":"after-kill","type":"employee.compliance","jurisdiction":"US-TX","occurred_at":"2026-02-01T10:00:00Z","data":{}}' \
    "http://127.0.0.1:$P2/v1/evaluate")
is "node 2 goes on" "$code" 200

# --- the database restarted under load ----------------------------------------
# node 2 takes a stream of events while PostgreSQL restarts: an answer is
# 200 (and then its decision is in the database) or 503 with Retry-After,
# never a 200 without COMMIT; the node reconnects by itself
# loadh PORT NAME: as load, keeping each answer's Retry-After header
loadh() {
    n=0
    while [ $n -lt 400 ] && [ ! -e "$TMP/stop.$2" ]; do
        n=$((n + 1))
        out=$(curl -s -D "$TMP/$2.h" -w '\n%{http_code}' -H "Authorization: Bearer $TOKEN_B" \
            --data "{\"id\":\"$2-$n\",\"type\":\"employee.compliance\",\"jurisdiction\":\"US-TX\",\"occurred_at\":\"2026-02-01T10:00:00Z\",\"data\":{}}" \
            "http://127.0.0.1:$1/v1/evaluate")
        code=$(printf '%s\n' "$out" | tail -1)
        ra=$(grep -ci '^retry-after: 1' "$TMP/$2.h")
        printf '%s %s %s\n' "$code" "$ra" "$(printf '%s\n' "$out" | head -1 | sed -n 's/.*"decision_id":"\(dec-[0-9a-f]*\)".*/\1/p')" >>"$TMP/$2.acks"
    done
}
: >"$TMP/r.acks"
loadh "$P2" r &
LR=$!
sleep 1
pg_as_owner "$PG_BIN/pg_ctl" -D "$EDICT_PG_DIR/data" -l "$EDICT_PG_DIR/server.log" -m fast -w restart >/dev/null 2>&1
is "the database restarted" "$?" 0
sleep 2
touch "$TMP/stop.r"
wait "$LR"
awk '$1 == 200 && $3 != "" {print $3}' "$TMP/r.acks" | sort >"$TMP/r.acked"
db_sql "SELECT decision_id FROM edict.journal WHERE decision_id <> ''" | sort >"$TMP/r.in_db"
is "no decision answered 200 is missing after the restart" "$(comm -23 "$TMP/r.acked" "$TMP/r.in_db" | wc -l)" 0
is "every answer was 200, or 503 with Retry-After" \
    "$(awk '!($1 == 200 || ($1 == 503 && $2 == 1))' "$TMP/r.acks" | wc -l)" 0
echo "# during the restart: $(awk '$1 == 200' "$TMP/r.acks" | wc -l) answered 200, $(awk '$1 == 503' "$TMP/r.acks" | wc -l) 503"
check "the restart was felt: some requests were answered 503" [ "$(awk '$1 == 503' "$TMP/r.acks" | wc -l)" -gt 0 ]
is "after it, the node answers 200 again without a restart of its own" \
    "$(tail -1 "$TMP/r.acks" | cut -d' ' -f1)" 200
run "$EDICT" audit verify --store "$URL"
is "and the chains verify" "$RC" 0

# a failing run is retried after a back-off and says why: a chain that
# does not verify (changed by the superuser, triggers off) fails the sweep
db_sql "ALTER TABLE edict.journal DISABLE TRIGGER journal_append_only; UPDATE edict.journal SET flag = 'red' WHERE seq = 1; ALTER TABLE edict.journal ENABLE TRIGGER journal_append_only" >/dev/null
db_sql "UPDATE edict.jobs SET run_at = now() WHERE name = 'retention'" >/dev/null
is "a sweep over a broken chain ran and failed" \
    "$(wait_sql "SELECT count(*) FROM edict.job_runs WHERE NOT ok" 1)" 1
is "the job keeps the error and counts the attempt" \
    "$(db_sql "SELECT attempts, last_error LIKE '%does not verify%' FROM edict.jobs")" "1|t"
is "and is due again after a back-off, not at once" \
    "$(db_sql "SELECT run_at > now() + interval '30 seconds' FROM edict.jobs")" t
stop_nodes

"$PG_BIN/psql" -X -q "$EDICT_PG_ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
summary
