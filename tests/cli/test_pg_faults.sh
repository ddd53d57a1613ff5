# test_pg_faults.sh — a PostgreSQL store that cannot answer gives a clear
# error, never a hang: a statement past store_statement_timeout_ms (a
# tenant's chain head locked by someone else) answers 503 with Retry-After,
# names the timeout and journals nothing; every connection of the node busy
# (store_pool_size) makes a reader wait store_pool_wait_ms, then answers 503
# naming the pool; once the lock is gone the same event is decided.
. tests/cli/lib.sh
. tests/pg.sh

if ! command -v curl >/dev/null 2>&1; then
    fail "setup" "curl is not installed (make deps)"
    summary
fi
pg_test_db edict_faults
"$EDICT" db migrate --store "$OWNER_URL" >"$TMP/migrate.out"
# docs/DEPLOY.md shows a first migration: the same migrations, in order
is "docs/DEPLOY.md's db migrate lists what a fresh database gets" \
    "$(grep '^applied ' "$TMP/migrate.out" | tr '\n' ' ')" "$(grep '^applied ' docs/DEPLOY.md | tr '\n' ' ')"
is "... and the schema version it reaches" "$(sed -n 's/.*: \(schema version [0-9]*\)$/\1/p' "$TMP/migrate.out")" \
    "$(sed -n 's/^store postgres:.*: \(schema version [0-9]*\)$/\1/p' docs/DEPLOY.md | head -1)"
event() {
    printf '{"id":"%s","type":"employee.compliance","tenant":"acme","jurisdiction":"US-TX","occurred_at":"2026-01-01T10:00:00Z","data":{}}' "$1"
}
event f0 | "$EDICT" eval --packs rules --store "$URL" >/dev/null

TOKEN=faults-token-0123456789abcdef
write "$TMP/node.lua" <<EOF2
return {
  listen = "127.0.0.1:0", port_file = "$TMP/port", workers = 2,
  packs = { "$ROOT/rules" }, tenants_dir = false, watch = false,
  store = "$URL", state_dir = "$TMP/state",
  store_pool_size = 1, store_pool_wait_ms = 500, store_statement_timeout_ms = 3000,
  tenants = { acme = { token_sha256 = "$(printf '%s\n' "$TOKEN" | "$EDICT" serve --hash-token)" } },
}
EOF2
serve_up "$TMP/node.lua" "$TMP/port" "$TMP/node.log"
post() {  # post ID OUT: status and seconds taken, body in OUT
    event "$1" | curl -s --max-time 20 -o "$2" -D "$2.h" -w '%{http_code} %{time_total}' \
        -H "Authorization: Bearer $TOKEN" --data-binary @- "$U/v1/evaluate"
}
is "the node decides while nothing holds the chain" "$(post f1 "$TMP/a" | cut -d' ' -f1)" 200

# someone holds acme's chain head (a stuck node, an operator's session)
"$PG_BIN/psql" -X -q "$EDICT_PG_ADMIN dbname=$DB" >/dev/null 2>&1 <<'EOF2' &
BEGIN;
SELECT 1 FROM edict.chain_head WHERE tenant = 'acme' FOR UPDATE;
SELECT pg_sleep(8);
COMMIT;
EOF2
LOCKER=$!
i=0
until [ "$(db_sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'chain_head' AND l.mode = 'RowShareLock' AND l.granted")" -gt 0 ] || [ $i -ge 50 ]; do
    sleep 0.1
    i=$((i + 1))
done

# while the committer holds the node's only connection, a request with an
# Idempotency-Key needs one to claim its key (reads wait for the commit
# instead, to read their own writes)
( sleep 1; event f3 | curl -s --max-time 20 -o "$TMP/r" -D "$TMP/r.h" -w '%{http_code} %{time_total}' \
    -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: key-f3" --data-binary @- \
    "$U/v1/evaluate" >"$TMP/r.st" ) &
READER=$!
ANSWER=$(post f2 "$TMP/b")
wait "$READER"
is "statement timeout: answered 503, not a hang" "$(echo "$ANSWER" | cut -d' ' -f1)" 503
check "... within the timeout and a little (under 10 s)" [ "$(echo "$ANSWER" | cut -d' ' -f2 | cut -d. -f1)" -lt 10 ]
has "... with Retry-After" "$TMP/b.h" "Retry-After: 1"
has "... naming the timeout" "$TMP/b" "statement timeout"
is "pool busy: the keyed request answered 503" "$(cut -d' ' -f1 "$TMP/r.st")" 503
has "... naming the pool and how long it waited" "$TMP/r" "all 1 connections of this node are busy (waited 500 ms for one)"
has "... with Retry-After" "$TMP/r.h" "Retry-After: 1"
wait "$LOCKER"
is "nothing was journaled for the refused event" "$(db_sql "SELECT count(*) FROM edict.journal WHERE event_id = 'f2'")" 0
is "once the lock is gone, the same event is decided" "$(post f2 "$TMP/c" | cut -d' ' -f1)" 200
is "... and journaled once" "$(db_sql "SELECT count(*) FROM edict.journal WHERE event_id = 'f2'")" 1
run curl -s -o "$TMP/d" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$U/v1/decisions?limit=5"
is "a reader is served again" "$(cat "$OUT")" 200
is "nothing was journaled for the keyed request" "$(db_sql "SELECT count(*) FROM edict.journal WHERE event_id = 'f3'")" 0
serve_down
run "$EDICT" audit verify --store "$URL"
has "the chain verifies" "$OUT" "tenant acme: 3 entries"
lacks "the node's log never names the password" "$TMP/node.log" "$EDICT_PG_PASSWORD"
summary
