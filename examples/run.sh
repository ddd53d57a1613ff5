#!/bin/sh
# run.sh — what `make run` does after building: decide every example event
# stream with the shipped packs and tenants, print the decisions, then a
# one-screen summary, into a journal under build/run/. Bad example lines are there on purpose, to show how
# edict reports them; they do not make `make run` fail.
EDICT=${1:-build/rel/edict}
# a journal of its own, started afresh: run again, the same events are not
# piled onto the last run's (and the user's own journal is left alone)
EDICT_JOURNAL_DIR=build/run/journal
export EDICT_JOURNAL_DIR
rm -rf "$EDICT_JOURNAL_DIR"
status=0
for f in examples/*.ndjson; do
    echo "== $f"
    "$EDICT" eval --summary "$f"
    rc=$?
    # 2 = some events were refused (expected in the examples); 1 = failure
    [ "$rc" -eq 1 ] && status=1
done
# every decision above went to the audit journal first; walk its chains
echo "== audit journal"
"$EDICT" audit verify || status=1
exit $status
