#!/bin/sh
# tests/bench/metrc.sh — `edict metrc sync` of a licence holding 1,000
# packages against the emulator (adapters/metrc/emulator) answering each
# request in 50–200 ms and enforcing Metrc's limits (50 GET/s and 10 at
# once per facility, 150/s and 30 per integrator; 429 with Retry-After past
# them). Prints the wall time, the requests and what was stored; a second
# run injects 20 % failures (10 % 5xx, 10 % cut connections). Numbers only:
# never fails the build on speed.
#
#   EDICT=build/rel/edict sh tests/bench/metrc.sh
cd "$(dirname "$0")/../.." || exit 1
EDICT=${EDICT:-build/rel/edict}
case $EDICT in /*) ;; *) EDICT=$(pwd)/$EDICT ;; esac
ROOT=$(pwd)
. tests/metrc.sh
T=$(mktemp -d /tmp/edict-bench-metrc.XXXXXX)
trap 'emu_stop; rm -rf "$T"' EXIT
cat >"$T/emu.json" <<'EOF2'
{"vendor_key": "bench-vendor", "users": {"bench-user": ["OR-BENCH-1"]},
 "seed": {"packages": 1000, "plants": 0, "plantbatches": 0, "harvests": 0, "transfers": 0},
 "active_lists": {"packages": ["active"]}, "spread_hours": 70}
EOF2
emu_start "$T/emu.json" || { echo "bench metrc: the emulator did not start" >&2; exit 1; }
export EDICT_METRC_VENDOR_KEY=bench-vendor EDICT_METRC_USER_KEY=bench-user

run() { # NAME FAULTS
    emu_faults "$2"
    curl -s -X POST "$EMU_URL/_emulator/reset" >/dev/null
    start=$(date +%s.%N)
    "$EDICT" metrc sync --tenant bench --license OR-BENCH-1 --base-url "$EMU_URL" \
        --since 72h --store "$T/store-$1" >"$T/out" 2>"$T/err"
    rc=$?
    end=$(date +%s.%N)
    served=$(emu_stats | lua5.4 -e 'local s = io.read("a"); print(s:match("\"requests\": (%d+)"))')
    printf 'metrc sync, %s: %.1f s, exit %d; %s; %s\n' "$1" \
        "$(echo "$end - $start" | bc)" "$rc" "$(head -1 "$T/out" | sed 's/.*tenant bench: //')" \
        "$(sed -n 2p "$T/out")"
    printf "  requests the emulator answered: %s\n" "$((served - 1))"
}
echo "== Metrc sync: 1,000 packages over 72 h, latency 50-200 ms, Metrc's rate limits"
run "latency only" '{"latency_ms": [50, 200]}'
run "20 % failures" '{"latency_ms": [50, 200], "error_rate": 0.1, "cut_rate": 0.1}'
