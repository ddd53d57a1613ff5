#!/bin/sh
# tests/bench/serve.sh — `edict serve` under load with wrk, on loopback:
#   1. single-event POST /v1/evaluate with keep-alive: requests/s, p50, p99;
#   2. NDJSON batches of 1,000 events: events/s;
#   3. (1) again while the packs are reloaded continuously (SIGHUP: the
#      main thread builds and tests each generation, the workers serve);
#   4. (1) and (2) with isolate_rules = false: the rules in the workers'
#      own process, to show what the evaluator processes cost per event.
# Numbers only; never fails the build on speed. Needs wrk (make deps).
#
#   EDICT=build/rel/edict sh tests/bench/serve.sh [SECONDS]
cd "$(dirname "$0")/../.." || exit 1
EDICT=${EDICT:-build/rel/edict}
SECS=${1:-10}
OUT=build/bench/serve
rm -rf "$OUT"
mkdir -p "$OUT" || exit 1
if ! command -v wrk >/dev/null 2>&1; then
    echo "bench serve: wrk is not installed (make deps); skipped"
    exit 0
fi
TOKEN=bench-token-0123456789abcdef
ADMIN=bench-admin-0123456789abcdef
H=$(printf '%s\n' "$TOKEN" | "$EDICT" serve --hash-token)
A=$(printf '%s\n' "$ADMIN" | "$EDICT" serve --hash-token)
conf() {
    cat >"$OUT/edict.conf.lua" <<CONF
return {
  listen = "127.0.0.1:0", port_file = "port", workers = ${WORKERS:-2},
  packs = { "../../../rules" }, tenants_dir = false,
  journal = "journal", state_dir = "state", watch = false,
  admin_token_sha256 = "$A", max_body_bytes = 16777216, max_batch_events = 1000,
  tenants = { bench = { token_sha256 = "$H", rate_per_minute = 1e9, burst = 1e9 } },
  isolate_rules = $1,
}
CONF
}
conf true
lua5.4 tests/bench/gen_events.lua 1000 7 | sed 's/"tenant":"[^"]*"/"tenant":"bench"/' >"$OUT/batch.ndjson"
head -n 1 "$OUT/batch.ndjson" >"$OUT/one.json"
start() {
    rm -f "$OUT/port"
    "$EDICT" serve --config "$OUT/edict.conf.lua" 2>>"$OUT/server.log" &
    PID=$!
    i=0
    while [ ! -s "$OUT/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    U=http://127.0.0.1:$(cat "$OUT/port")
}
start
body_script() {
    cat >"$OUT/$1.lua" <<LUA
local f = assert(io.open("$2", "rb")); local body = f:read("a"); f:close()
wrk.method = "POST"; wrk.body = body
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f req/s p50 %.2f ms p99 %.2f ms errors %d non2xx %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.errors.status))
end
LUA
}
# CPU time (user + system) of the server and its evaluator processes, in
# clock ticks, and the requests it answered: CPU per request holds up on a
# noisy machine where requests/s does not
cpu_ticks() {
    _t=0
    for _p in $PID $(pgrep -P $PID); do
        _t=$((_t + $(awk '{ print $14 + $15 }' /proc/$_p/stat 2>/dev/null || echo 0)))
    done
    echo $_t
}
# the same by thread name (edict-worker, edict-commit, edict-eval; the
# main thread is the binary's name): where the CPU time goes
cpu_split() {
    for _p in $PID $(pgrep -P $PID); do
        for _t in /proc/$_p/task/*; do
            echo "$(cat "$_t/comm" 2>/dev/null) $(awk '{ print $14 + $15 }' "$_t/stat" 2>/dev/null || echo 0)"
        done
    done | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort
}
requests() {
    curl -s "$U/metrics" | awk '/^edict_http_requests_total.*route="\/v1\/evaluate"/ { s += $2 } END { print s + 0 }'
}
# measured NAME EVENTS_PER_REQUEST wrk args...: wrk's line, then the CPU
# microseconds per event it cost
measured() {
    _name=$1
    _per=$2
    shift 2
    cpu_split >"$OUT/split0"
    _c0=$(cpu_ticks)
    _r0=$(requests)
    wrk "$@" | grep RESULT
    _c1=$(cpu_ticks)
    _r1=$(requests)
    cpu_split >"$OUT/split1"
    awk -v c=$((_c1 - _c0)) -v r=$((_r1 - _r0)) -v per="$_per" -v hz="$(getconf CLK_TCK)" -v n="$_name" \
        'BEGIN { if (r > 0) printf "CPU %s: %.1f us per event (%d requests)\n", n, c * 1e6 / hz / (r * per), r }'
    join "$OUT/split0" "$OUT/split1" | awk -v r=$((_r1 - _r0)) -v per="$_per" -v hz="$(getconf CLK_TCK)" \
        'r > 0 && $3 > $2 { printf "  %s %.1f us", $1, ($3 - $2) * 1e6 / hz / (r * per) } END { print "" }'
}
body_script one "$PWD/$OUT/one.json"
body_script batch "$PWD/$OUT/batch.ndjson"
echo "== single event, keep-alive, 8 connections, ${SECS}s"
measured "single, isolated" 1 -t2 -c8 -d"${SECS}s" -s "$OUT/one.lua" "$U/v1/evaluate"
echo "== NDJSON batches of 1,000 events, 2 connections, ${SECS}s (events/s = req/s x 1000)"
measured "batch, isolated" 1000 -t2 -c2 -d"${SECS}s" --timeout 30s -s "$OUT/batch.lua" "$U/v1/evaluate"
echo "== single event while reloading continuously (SIGHUP, back to back), ${SECS}s"
(
    end=$(($(date +%s) + SECS))
    n=0
    while [ "$(date +%s)" -lt $end ]; do
        kill -HUP $PID
        n=$((n + 1))
        sleep 0.2
    done
    echo "SIGHUPs sent: $n; reloads done: $(grep -c '"msg":"reloaded"' "$OUT/server.log")" >"$OUT/reloads"
) &
RL=$!
wrk -t2 -c8 -d"${SECS}s" -s "$OUT/one.lua" "$U/v1/evaluate" | grep RESULT
wait $RL
cat "$OUT/reloads"
kill -TERM $PID
wait $PID
conf false
start
echo "== isolate_rules = false: single event, keep-alive, 8 connections, ${SECS}s"
measured "single, in-process" 1 -t2 -c8 -d"${SECS}s" -s "$OUT/one.lua" "$U/v1/evaluate"
echo "== isolate_rules = false: NDJSON batches of 1,000 events, 2 connections, ${SECS}s"
measured "batch, in-process" 1000 -t2 -c2 -d"${SECS}s" --timeout 30s -s "$OUT/batch.lua" "$U/v1/evaluate"
kill -TERM $PID
wait $PID
