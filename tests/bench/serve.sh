#!/bin/sh
# tests/bench/serve.sh — `edict serve` under load with wrk, on loopback:
#   1. single-event POST /v1/evaluate with keep-alive: requests/s, p50, p99;
#   2. NDJSON batches of 1,000 events: events/s;
#   3. (1) again while the packs are reloaded continuously (SIGHUP: the
#      main thread builds and tests each generation, the workers serve).
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
cat >"$OUT/edict.conf.lua" <<CONF
return {
  listen = "127.0.0.1:0", port_file = "port", workers = ${WORKERS:-2},
  packs = { "../../../rules" }, tenants_dir = false,
  journal = "journal", state_dir = "state", watch = false,
  admin_token_sha256 = "$A", max_body_bytes = 16777216, max_batch_events = 1000,
  tenants = { bench = { token_sha256 = "$H", rate_per_minute = 1e9, burst = 1e9 } },
}
CONF
lua5.4 tests/bench/gen_events.lua 1000 7 | sed 's/"tenant":"[^"]*"/"tenant":"bench"/' >"$OUT/batch.ndjson"
head -n 1 "$OUT/batch.ndjson" >"$OUT/one.json"
"$EDICT" serve --config "$OUT/edict.conf.lua" 2>"$OUT/server.log" &
PID=$!
i=0
while [ ! -s "$OUT/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
U=http://127.0.0.1:$(cat "$OUT/port")
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
body_script one "$PWD/$OUT/one.json"
body_script batch "$PWD/$OUT/batch.ndjson"
echo "== single event, keep-alive, 8 connections, ${SECS}s"
wrk -t2 -c8 -d"${SECS}s" -s "$OUT/one.lua" "$U/v1/evaluate" | grep RESULT
echo "== NDJSON batches of 1,000 events, 2 connections, ${SECS}s (events/s = req/s x 1000)"
wrk -t2 -c2 -d"${SECS}s" --timeout 30s -s "$OUT/batch.lua" "$U/v1/evaluate" | grep RESULT
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
