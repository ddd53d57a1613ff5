#!/bin/sh
# tests/bench/obligations.sh — what the journal's obligations trigger
# (migrations/005_obligations.sql) costs PostgreSQL per append: 50,000
# ~700-byte decisions inserted in one statement on a private server
# (tests/pg.sh), three times each: without obligations, with one, and with
# the trigger disabled. Seconds per run; read the medians beside each other.
set -u
EDICT=${EDICT:-build/rel/edict}
ROWS=${1:-50000}
. tests/pg.sh
trap 'pg_stop' EXIT
pg_start >/dev/null && EDICT=$EDICT pg_migrate >/dev/null || { echo "obligations bench: no PostgreSQL"; exit 0; }
S() { "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$EDICT_PG_ADMIN dbname=edict" -c "$1"; }
DEC='{"decision_id":"dec-x","event_id":"e","tenant":"t","jurisdiction":"US-OR","type":"waste.recorded","flag":"red","score":75,"findings":[{"rule":"us-or/waste-witness","severity":"critical","message":"waste W-1 recorded without a witness: name the employee who witnessed the destruction, or record it again","cite":"OAR 845-025-7750","evidence_required":["witness"]}],"obligations":[],"retention_until":"2033-03-02","packs":[{"name":"us-or","version":"2026.1","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}],"waivers":[],"errors":[]}'
OBL=$(echo "$DEC" | sed 's/"obligations":\[\]/"obligations":[{"action":"submit_monthly_report","due":"2026-04-15","cite":"OAR 845-025-7760"}]/')
ZERO=$(printf '%064d' 0)
# the rows are rolled back: the append-only triggers are off for the run
S "ALTER TABLE edict.journal DISABLE TRIGGER journal_append_only" >/dev/null
runs() {  # LABEL DECISION
    for k in 1 2 3; do
        t=$( { /usr/bin/time -f %e "$PG_BIN/psql" -X -q "$EDICT_PG_ADMIN dbname=edict" -c "BEGIN; INSERT INTO edict.journal (tenant, seq, prev, hash, decision_id, event_id, occurred_at, day, flag, type, retention_until, len, bytes) SELECT 'bench', g, '\\x$ZERO', '\\x$ZERO', 'dec-'||g, 'e'||g, '2026-03-02T10:00:00Z', 20260302, 'red', 'waste.recorded', '2033-03-02', length(\$\$$2\$\$), convert_to(\$\$$2\$\$, 'UTF8') FROM generate_series(1, $ROWS) g; ROLLBACK;"; } 2>&1 | tail -1)
        printf '%-34s run %d: %s s for %d rows\n' "$1" "$k" "$t" "$ROWS"
    done
}
runs "trigger on, no obligations" "$DEC"
runs "trigger on, one obligation each" "$OBL"
S "ALTER TABLE edict.journal DISABLE TRIGGER journal_obligations" >/dev/null
runs "trigger off" "$DEC"
