#!/bin/sh
# run.sh — what `make run` does after building: decide every example event
# stream with the shipped packs and tenants, print the decisions, then a
# one-screen summary. Bad example lines are there on purpose, to show how
# edict reports them; they do not make `make run` fail.
EDICT=${1:-build/rel/edict}
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
