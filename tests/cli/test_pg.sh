# test_pg.sh — the PostgreSQL store from the command line, on a real
# private server (tests/pg.sh; tests/run.sh starts one, else this script
# does): `edict db migrate|status`; `edict eval --store postgres://…` then
# `edict audit verify` against it, with the same chain heads as the file
# store gives for the same decisions; a tampering attempt as the role
# edict runs as refused by the database; writers killed with SIGKILL lose
# no acknowledged decision; retention archives and the chain still
# verifies; `edict serve` with store = "postgres://…" in its
# configuration; and a password never shows in any message or log.
. tests/cli/lib.sh
. tests/pg.sh

pg_test_db edict_cli
pg_admin_sql "SELECT 1" >/dev/null
edict_sql() {  # SQL as the role edict runs as
    "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$URL" -c "$1"
}
tenant_sql() {  # TENANT SQL: as edict, in a transaction set to TENANT
    "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$URL" -c BEGIN \
        -c "SELECT set_config('edict.tenant', '$1', true)" -c "$2" -c COMMIT | sed -n 2p
}

# --- the schema ---------------------------------------------------------
run "$EDICT" db status --store "$OWNER_URL"
is "db status before migrating: 1" "$RC" 1
has "db status names what is pending" "$OUT" "001_journal.sql pending"
run "$EDICT" eval --packs rules --store "$URL" /dev/null
is "a node refuses a database with no schema" "$RC" 1
has "and says what to run" "$ERR" "run \`edict db migrate --store postgres://edict@127.0.0.1:$EDICT_PG_PORT/$DB\`"
run "$EDICT" db migrate --store "$OWNER_URL"
is "db migrate: 0" "$RC" 0
has "db migrate applies 001" "$OUT" "applied 001_journal.sql"
run "$EDICT" db migrate --store "$OWNER_URL"
has "migrating again applies nothing" "$OUT" "(already up to date)"
lacks "migrating again: no file applied" "$OUT" "applied 001"
run "$EDICT" db status --store "$URL"
is "db status as edict: up to date" "$RC:$(tail -1 "$OUT")" "0:up to date"
run "$EDICT" db migrate --store "$TMP/folder"
is "a folder has no schema to migrate" "$RC" 1

# --- eval, verify, the same chains as the file store ----------------------
{ for i in 1 2 3 4 5; do
    printf '{"id":"p%d","type":"employee.compliance","tenant":"acme","jurisdiction":"US-TX","occurred_at":"2026-01-0%dT10:00:00Z","data":{"employee_id":"E-%d"}}\n' "$i" "$i" "$i"
  done
  printf '{"id":"q1","type":"employee.compliance","tenant":"globex","jurisdiction":"US-TX","occurred_at":"2026-01-01T10:00:00Z","data":{}}\n'
} >"$TMP/ev.ndjson"
run "$EDICT" eval --packs rules --store "$URL" "$TMP/ev.ndjson"
is "eval --store postgres://: decided" "$RC" 0
cp "$OUT" "$TMP/acked"
is "as edict with no tenant set, no row is visible" "$(edict_sql "SELECT count(*) FROM edict.journal")" 0
db_sql "SELECT convert_from(bytes, 'UTF8') FROM edict.journal" | sort >"$TMP/in_db"
sort "$TMP/acked" >"$TMP/acked.sorted"
is "every decision written out is in the database, byte for byte" \
    "$(cmp -s "$TMP/in_db" "$TMP/acked.sorted" && echo same)" same
run "$EDICT" audit verify --store "$URL"
is "audit verify --store postgres://: 0" "$RC" 0
has "acme's 5 entries verify" "$OUT" "tenant acme: 5 entries"
has "globex's 1 entry verifies" "$OUT" "tenant globex: 1 entries"
cp "$OUT" "$TMP/pg.verify"
run "$EDICT" eval --packs rules --journal "$TMP/fj" "$TMP/ev.ndjson"
run "$EDICT" audit verify --journal "$TMP/fj"
is "the same decisions give the same chain heads in the file store and PostgreSQL" \
    "$(cat "$TMP/pg.verify")" "$(cat "$OUT")"
ID=$(sed -n 2p "$TMP/acked" | sed 's/.*"decision_id":"\([^"]*\)".*/\1/')
run "$EDICT" audit export --tenant acme --store "$URL"
is "export from PostgreSQL: 5 lines" "$(grep -c '"seq"' "$OUT")" 5
has "export carries the decision's bytes" "$OUT" "$ID"

# --- tampering as the role edict runs as -----------------------------------
tenant_sql acme "UPDATE edict.journal SET flag = 'green'" >"$TMP/tamper.out" 2>&1
has "UPDATE as edict: refused by the database" "$TMP/tamper.out" "permission denied for table journal"
tenant_sql acme "DELETE FROM edict.journal" >"$TMP/tamper.out" 2>&1
has "DELETE as edict: refused" "$TMP/tamper.out" "permission denied for table journal"
edict_sql "TRUNCATE edict.journal" >"$TMP/tamper.out" 2>&1
has "TRUNCATE as edict: refused" "$TMP/tamper.out" "permission denied for table journal"
db_sql "TRUNCATE edict.journal" >"$TMP/tamper.out" 2>&1
has "TRUNCATE even by the superuser: refused by the statement trigger" "$TMP/tamper.out" "TRUNCATE refused: the audit store is append-only"
is "every crafted read of another tenant's rows gets none" \
    "$(tenant_sql globex "SELECT count(*) FROM edict.journal WHERE tenant = 'acme' OR tenant <> 'acme'")" 1
run "$EDICT" audit verify --store "$URL"
is "after the attempts every chain still verifies" "$RC" 0

# --- crash safety: killed writers lose no acknowledged decision ------------
lua5.4 tests/bench/gen_events.lua 2000 7 >"$TMP/many.ndjson"
lost=0
for round in 1 2 3 4; do
    "$EDICT" eval --packs rules --store "$URL" --fsync-every 4 "$TMP/many.ndjson" \
        >"$TMP/k.$round" 2>/dev/null &
    pid=$!
    # killed once it has acknowledged something (a slow start, as under
    # the sanitizers, must not make the round empty), then a little later
    i=0
    while ! grep -q decision_id "$TMP/k.$round" 2>/dev/null && kill -0 "$pid" 2>/dev/null &&
        [ $i -lt 600 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    sleep "0.$(( (round * 37) % 9 ))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    db_sql "SELECT convert_from(bytes, 'UTF8') FROM edict.journal" >"$TMP/in_db.$round"
    head -n "$(wc -l <"$TMP/k.$round")" "$TMP/k.$round" | grep '"decision_id"' |
        grep -vxF -f "$TMP/in_db.$round" >"$TMP/missing.$round"
    [ -s "$TMP/missing.$round" ] && lost=$((lost + 1))
done
is "killed 4 times: no acknowledged decision missing from the database" "$lost" 0
is "and some were acknowledged" "$([ "$(cat "$TMP"/k.* | grep -c decision_id)" -gt 0 ] && echo yes)" yes
run "$EDICT" audit verify --store "$URL"
is "after the kills every chain verifies" "$RC" 0

# --- signed checkpoints and retention ----------------------------------------
mkdir -p "$TMP/keys"
run "$EDICT" audit keygen --key "$TMP/keys/k"
run "$EDICT" audit checkpoint --key "$TMP/keys/k" --store "$URL"
is "checkpoint into PostgreSQL" "$RC" 0
run "$EDICT" audit verify --store "$URL" --pub "$TMP/keys/k.pub"
is "verify --pub: 0" "$RC" 0
has "the checkpoints are signed and matching" "$OUT" "checkpoint signed and matching"
run "$EDICT" retention archive --as-of 2099-01-01 --store "$URL"
is "retention archive against PostgreSQL: 0" "$RC" 0
run "$EDICT" audit verify --store "$URL" --pub "$TMP/keys/k.pub"
is "after archiving every chain verifies" "$RC" 0
[ "$RC" = 0 ] || cat "$OUT"

# --- edict serve with store = "postgres://…" -------------------------------
if command -v curl >/dev/null 2>&1; then
    TOKEN=pg-token-0123456789abcdef
    mkdir -p "$TMP/state"
    write "$TMP/serve.conf.lua" <<EOF
return {
  listen = "127.0.0.1:0", port_file = "$TMP/port", workers = 2,
  packs = { "$ROOT/rules" }, tenants_dir = false,
  store = "$URL", state_dir = "$TMP/state",
  tenants = { acme = { token_sha256 = "$(printf '%s\n' "$TOKEN" | "$EDICT" serve --hash-token)" } },
}
EOF
    "$EDICT" serve --config "$TMP/serve.conf.lua" 2>"$TMP/serve.err" &
    spid=$!
    i=0
    while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    PORT=$(cat "$TMP/port" 2>/dev/null)
    code=$(curl -s -o "$TMP/resp" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        --data '{"id":"srv-1","type":"employee.compliance","jurisdiction":"US-TX","occurred_at":"2026-02-01T10:00:00Z","data":{}}' \
        "http://127.0.0.1:$PORT/v1/evaluate")
    is "serve with store = postgres://: 200" "$code" 200
    is "the decision it acknowledged is in the database" \
        "$(tenant_sql acme "SELECT count(*) FROM edict.journal WHERE event_id = 'srv-1'")" 1
    SID=$(sed 's/.*"decision_id":"\([^"]*\)".*/\1/' "$TMP/resp")
    code=$(curl -s -o "$TMP/resp2" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        "http://127.0.0.1:$PORT/v1/decisions/$SID")
    is "GET /v1/decisions/{id} from PostgreSQL: 200" "$code" 200
    kill -TERM "$spid"
    wait "$spid"
    run "$EDICT" audit verify --store "$URL"
    is "after serve every chain verifies" "$RC" 0
else
    fail "serve" "curl is not installed (make deps)"
fi

# --- a password never shows -------------------------------------------------
PW=$EDICT_PG_PASSWORD
: >"$TMP/all.log"
for loc in "postgres://edict:$PW@127.0.0.1:$EDICT_PG_PORT/no_such_db" \
           "postgres://edict:$PW-wrong@127.0.0.1:$EDICT_PG_PORT/$DB" \
           "postgres://edict:$PW@127.0.0.1:$EDICT_PG_PORT/$DB?bogus=1" \
           "postgres://edict:$PW@127.0.0.1:1/$DB"; do
    for cmd in "eval --packs rules --store" "audit verify --store" "db status --store" \
               "retention status --store"; do
        # shellcheck disable=SC2086
        "$EDICT" $cmd "$loc" </dev/null >>"$TMP/all.log" 2>&1
    done
done
write "$TMP/bad.conf.lua" <<EOF
return { listen = "127.0.0.1:0", packs = { "$ROOT/rules" }, tenants_dir = false,
         store = "postgres://edict:$PW@127.0.0.1:$EDICT_PG_PORT/no_such_db", state_dir = "$TMP/state" }
EOF
"$EDICT" serve --config "$TMP/bad.conf.lua" >>"$TMP/all.log" 2>&1
cat "$TMP/serve.err" >>"$TMP/all.log" 2>/dev/null
has "the failures were reported" "$TMP/all.log" "no_such_db"
has "naming the location without its password" "$TMP/all.log" "store postgres://edict@127.0.0.1:$EDICT_PG_PORT/no_such_db"
lacks "no message or log holds the password" "$TMP/all.log" "$PW"
PGPASSWORD=$PW PGPASSFILE=/dev/null "$EDICT" db status --store "$URL" >"$TMP/env.out" 2>&1
is "the password from PGPASSWORD works" "$?" 0
printf '%s\n' "$PW" >"$TMP/pw"
EDICT_PG_PASSWORD_FILE=$TMP/pw PGPASSFILE=/dev/null "$EDICT" db status --store "$URL" >"$TMP/file.out" 2>&1
is "the password from \$EDICT_PG_PASSWORD_FILE works" "$?" 0
PGPASSFILE=/dev/null "$EDICT" db status --store "$URL" >"$TMP/none.out" 2>&1
is "without a password: refused" "$?" 1
lacks "and the environment's password is not shown either" "$TMP/env.out" "$PW"

# the evidence vault on the PostgreSQL store: the blobs on a folder every
# node shares (--evidence-dir), the uploads and reads in the database's
# chain, which is the index the listing walks
printf 'pg evidence bytes\n' >"$TMP/ev.txt"
EVD=$(sha512sum "$TMP/ev.txt" | cut -d' ' -f1)
run env EDICT_EVIDENCE_KEY="$(openssl rand -hex 32)" sh -c '
  "$1" evidence put "$2" --store "$3" --evidence-dir "$4" --tenant acme --type photo --entity waste:W-7 &&
  "$1" evidence get "$5" --store "$3" --evidence-dir "$4" --tenant acme' sh \
  "$EDICT" "$TMP/ev.txt" "$URL" "$TMP/shared-evidence" "$EVD"
is "PostgreSQL store: evidence put then get gives the bytes back" "$RC $(tail -1 "$OUT")" "0 pg evidence bytes"
check "the blob is on the shared folder, not in the database" [ -f "$TMP/shared-evidence/acme/$(echo "$EVD" | cut -c1-2)/$EVD" ]
run "$EDICT" evidence list --store "$URL" --tenant acme --entity waste:W-7
is "the upload is in the database's chain" "$(jv "$OUT" 'D[1].digest')" "$EVD"
is "evidence rows: the upload and the read" \
    "$(tenant_sql acme "SELECT count(*) FROM edict.journal WHERE type LIKE 'edict.evidence%'")" 2
run env EDICT_EVIDENCE_KEY=00 "$EDICT" evidence put "$TMP/ev.txt" --store "$URL" --tenant acme --type photo --entity x
has "a PostgreSQL store names no evidence folder of its own" "$ERR" "no evidence folder"

"$PG_BIN/psql" -X -q "$EDICT_PG_ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
summary
