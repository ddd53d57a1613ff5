#!/bin/sh
# tests/bench/isolation.sh — what running the rules in evaluator processes
# (isolate_rules, the default of edict serve) costs per event, in
# instructions (callgrind: repeatable, where requests/s on a shared machine
# is not). The server runs under callgrind, which follows its fork into
# the evaluator; the instructions of both are added up over N sequential
# single-event requests and over N/10 batches of 100, with and without
# isolation. Numbers only; never fails the build. Needs valgrind and curl.
#
#   EDICT=build/rel/edict sh tests/bench/isolation.sh [N]
cd "$(dirname "$0")/../.." || exit 1
EDICT=${EDICT:-build/rel/edict}
N=${1:-300}
OUT=build/bench/isolation
if ! command -v valgrind >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
    echo "bench isolation: valgrind or curl is not installed (make deps); skipped"
    exit 0
fi
rm -rf "$OUT"
mkdir -p "$OUT" || exit 1
TOKEN=bench-token-0123456789abcdef
H=$(printf '%s\n' "$TOKEN" | "$EDICT" serve --hash-token)
lua5.4 tests/bench/gen_events.lua 100 7 | sed 's/"tenant":"[^"]*"/"tenant":"bench"/' >"$OUT/batch.ndjson"
head -n 1 "$OUT/batch.ndjson" >"$OUT/one.json"

# instructions ISOLATE BODY REQUESTS: the server's and its evaluators'
# instructions for REQUESTS requests of BODY, less those of a run of none
run() {
    rm -rf "$OUT/run" && mkdir -p "$OUT/run"
    cat >"$OUT/run/edict.conf.lua" <<CONF
return {
  listen = "127.0.0.1:0", port_file = "port", workers = 1,
  packs = { "../../../../rules" }, tenants_dir = false,
  journal = "journal", state_dir = "state", watch = false,
  reload_runs_fixtures = false, -- their time limits do not hold under valgrind
  tenants = { bench = { token_sha256 = "$H", rate_per_minute = 1e9, burst = 1e9 } },
  isolate_rules = $1,
}
CONF
    valgrind --tool=callgrind --callgrind-out-file="$OUT/run/cg.%p" \
        "$EDICT" serve --config "$OUT/run/edict.conf.lua" 2>"$OUT/run/valgrind.log" &
    _pid=$!
    _i=0
    while [ ! -s "$OUT/run/port" ] && [ $_i -lt 600 ]; do sleep 0.1; _i=$((_i + 1)); done
    if [ ! -s "$OUT/run/port" ]; then
        echo "bench isolation: the server did not start (see $OUT/run/valgrind.log)" >&2
        kill $_pid 2>/dev/null
        wait $_pid
        echo 0
        return
    fi
    _u=http://127.0.0.1:$(cat "$OUT/run/port")/v1/evaluate
    _k=0
    while [ $_k -lt "$3" ]; do
        curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" --data-binary @"$2" "$_u"
        _k=$((_k + 1))
    done
    kill -TERM $_pid
    wait $_pid
    # every process's total: the server's and (told to stop by its socket
    # closing, it exits and callgrind writes its file) the evaluator's
    ls "$OUT"/run/cg.* | wc -l >"$OUT/processes.$1"
    for f in "$OUT"/run/cg.*; do
        awk '/^summary:/ { s = $2; found = 1 } END { if (found) print s }' "$f"
    done | awk '{ s += $1 } END { print s + 0 }'
}

per_event() { # ISOLATE BODY REQUESTS EVENTS_PER_REQUEST
    _base=$(run "$1" "$2" 0)
    _with=$(run "$1" "$2" "$3")
    awk -v a="$_with" -v b="$_base" -v n="$3" -v per="$4" 'BEGIN { printf "%.0f", (a - b) / (n * per) }'
}

s_iso=$(per_event true "$OUT/one.json" "$N" 1)
s_in=$(per_event false "$OUT/one.json" "$N" 1)
b_iso=$(per_event true "$OUT/batch.ndjson" $((N / 10)) 100)
b_in=$(per_event false "$OUT/batch.ndjson" $((N / 10)) 100)
awk -v si="$s_iso" -v sn="$s_in" -v bi="$b_iso" -v bn="$b_in" \
    -v pi="$(cat "$OUT/processes.true")" -v pn="$(cat "$OUT/processes.false")" 'BEGIN {
    printf "bench: serve instructions per event (callgrind; processes counted: isolated %d, in-process %d):\n", pi, pn
    printf "bench:   single events     isolated %9d  in-process %9d  ratio %.2f\n", si, sn, si / sn
    printf "bench:   batches of 100    isolated %9d  in-process %9d  ratio %.2f\n", bi, bn, bi / bn
}'
