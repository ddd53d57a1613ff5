#!/bin/sh
# run.sh — what `make run` does after building: decide every example event
# stream with the shipped packs and tenants into a journal under build/run/
# (started afresh each time), keep the decisions in files, and show a
# person one screen: per stream its counts and top findings, one decision
# explained, and the journal's chains verified. Bad example lines are there
# on purpose, to show how edict reports them; they do not make `make run`
# fail.
EDICT=${1:-build/rel/edict}
OUT=build/run
# a journal of its own, started afresh: run again, the same events are not
# piled onto the last run's (and the user's own journal is left alone)
EDICT_JOURNAL_DIR=$OUT/journal
export EDICT_JOURNAL_DIR
rm -rf "$OUT"
mkdir -p "$OUT" || exit 1
status=0
for f in examples/*.ndjson; do
    name=$(basename "$f" .ndjson)
    echo "== $f -> $OUT/$name.decisions.ndjson"
    # the decisions to their file; the summary (and each refused line) here
    "$EDICT" eval --summary "$f" >"$OUT/$name.decisions.ndjson" 2>"$OUT/$name.summary"
    rc=$?
    grep -v '^journal: ' "$OUT/$name.summary" | sed -e '/^$/d' -e 's/^/  /'
    # 2 = some events were refused (expected in the examples); 1 = failure
    [ "$rc" -eq 1 ] && status=1
done
# one decision as a person reads it: the first red one, with its trace
first_red=$(grep -h -m1 '"flag":"red"' "$OUT"/*.decisions.ndjson | head -n 1 |
    sed -n 's/.*"event_id":"\([^"]*\)".*/\1/p')
if [ -n "$first_red" ]; then
    echo
    echo "== one decision, explained (edict eval --format pretty --explain): $first_red"
    grep -h "\"id\":\"$first_red\"" examples/*.ndjson | head -n 1 |
        "$EDICT" eval --no-journal --format pretty --explain - | sed -e '/^$/d'
fi
# every decision above went to the audit journal first; walk its chains
echo
echo "== the audit journal ($EDICT_JOURNAL_DIR): edict audit verify"
"$EDICT" audit verify | sed 's/^/  /' || status=1
echo
echo "decisions: $OUT/*.decisions.ndjson (one JSON line each); journal: $EDICT_JOURNAL_DIR"
exit $status
