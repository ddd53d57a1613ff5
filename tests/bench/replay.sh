#!/bin/sh
# tests/bench/replay.sh — `edict replay` (issue 14): N generated
# employee.compliance events (one tenant) decided into a fresh journal,
# then every one decided again from its kept event bytes and kept packs
# and compared byte for byte; the rate beside eval's on the same events.
# Numbers only; never fails on speed.
#
#   EDICT=build/rel/edict sh tests/bench/replay.sh     (BENCH_REPLAY_EVENTS=N)
cd "$(dirname "$0")/../.." || exit 1
EDICT=${EDICT:-build/rel/edict}
N=${BENCH_REPLAY_EVENTS:-10000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
now() { date +%s%N; }
lua5.4 tests/bench/gen_events.lua "$N" 42 | sed 's/"tenant":"[a-z]*"/"tenant":"acme"/' >"$dir/events"
t0=$(now)
"$EDICT" eval --packs rules --journal "$dir/j" "$dir/events" >/dev/null
t1=$(now)
"$EDICT" replay --tenant acme --journal "$dir/j" >"$dir/out"
rc=$?
t2=$(now)
eval_ms=$(( (t1 - t0) / 1000000 ))
replay_ms=$(( (t2 - t1) / 1000000 ))
echo "replay: $N decisions (employee-flags, 1 tenant): eval with journal $eval_ms ms" \
    "($(( N * 1000 / (eval_ms > 0 ? eval_ms : 1) ))/s); replay (verify, then decide again" \
    "and compare) $replay_ms ms ($(( N * 1000 / (replay_ms > 0 ? replay_ms : 1) ))/s), exit $rc:" \
    "$(tail -1 "$dir/out")"
