#!/bin/sh
# tests/bench/metrc_wait.sh — `edict serve` while rules wait for Metrc:
# 4 connections send events whose rule asks Metrc for a package (each a
# label not asked before, so every one is a GET; the emulator answers in
# 50-200 ms), and 4 other connections send events whose rules ask nothing,
# both for SECONDS, on 2 workers. Run with metrc_waits = 0 (a worker waits
# with the rule), 2 (the default) and 8, it prints each side's requests/s
# and latency: what a slow Metrc costs the requests that never asked it.
# Numbers only; never fails the build on speed. Needs wrk (make deps).
#
#   EDICT=build/rel/edict sh tests/bench/metrc_wait.sh [SECONDS]
cd "$(dirname "$0")/../.." || exit 1
EDICT=${EDICT:-build/rel/edict}
case $EDICT in /*) ;; *) EDICT=$(pwd)/$EDICT ;; esac
ROOT=$(pwd)
SECS=${1:-10}
if ! command -v wrk >/dev/null 2>&1; then
    echo "bench metrc_wait: wrk is not installed (make deps); skipped"
    exit 0
fi
. tests/metrc.sh
T=$(mktemp -d /tmp/edict-bench-mwait.XXXXXX)
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; emu_stop; rm -rf "$T"' EXIT
cat >"$T/emu.json" <<'EOF'
{"vendor_key": "bench-vendor", "users": {"bench-user": ["OR-BENCH-1"]},
 "seed": {"packages": 10, "plants": 0, "plantbatches": 0, "harvests": 0, "transfers": 0}}
EOF
emu_start "$T/emu.json" || { echo "bench metrc_wait: the emulator did not start" >&2; exit 1; }
emu_faults '{"latency_ms": [50, 200]}'
umask 077
printf 'vendor_key=bench-vendor\nuser_key=bench-user\n' >"$T/keys"
mkdir -p "$T/p"
cat >"$T/p/pack.lua" <<'EOF'
return {
  name = "mw", version = "1.0", jurisdiction = "US-XX",
  effective_from = "2020-01-01", rules = { "rules.lua" },
}
EOF
cat >"$T/p/rules.lua" <<'EOF'
local metrc = require "edict.metrc"
rule { id = "mw/package", on = "t.asks", severity = "major", cite = "bench",
  check = function(e, ctx)
    local p = metrc.package(e.data.license, e.data.label)
    if p == false then return "package " .. e.data.label .. " is not in Metrc" end
  end }
rule { id = "mw/plain", on = "t.plain", severity = "minor", cite = "bench",
  check = function(e, ctx)
    if e.data.label == "" then return "no label" end
  end }
EOF
TOKEN=bench-token-0123456789abcdef
H=$(printf '%s\n' "$TOKEN" | "$EDICT" serve --hash-token)
script() { # TYPE
    cat <<EOF
local n, prefix = 0, nil
function init(args) prefix = tostring(math.random(1, 1000000000)) end
function request()
  n = n + 1
  local body = string.format('{"id":"%s-%s-%d","type":"$1","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2024-06-01T12:00:00Z","data":{"license":"OR-BENCH-1","label":"L%s-%d"}}', "$1", prefix, n, prefix, n)
  return wrk.format("POST", "/v1/evaluate", {["Authorization"] = "Bearer $TOKEN", ["Content-Type"] = "application/json"}, body)
end
EOF
}
script t.asks >"$T/asks.lua"
script t.plain >"$T/plain.lua"
summary() { # FILE
    awk '/Requests\/sec/ {rps=$2} /Latency/ && !lat {lat=$2} /50%/ {p50=$2} /99%/ {p99=$2}
         END {printf "%8s req/s  p50 %-8s p99 %s", rps, p50, p99}' "$1"
}
echo "== serve: 4 connections whose rule asks Metrc (50-200 ms), 4 whose rules do not; 2 workers, ${SECS} s"
for waits in 0 2 8; do
    cat >"$T/serve.lua" <<EOF
return {
  listen = "127.0.0.1:0", port_file = "$T/port", workers = 2, metrc_waits = $waits,
  tenants = { acme = { token_sha256 = "$H", rate_per_minute = 1e9, burst = 1e9 } },
  packs = { "$T/p" }, tenants_dir = false, watch = false,
  journal = "$T/j$waits", state_dir = "$T/state$waits", limits = { time_ms = 5000 },
  metrc = { { tenant = "acme", license = "OR-BENCH-1", base_url = "$EMU_URL",
              keys = "$T/keys", sync_s = 86400 } },
}
EOF
    rm -f "$T/port"
    "$EDICT" serve --config "$T/serve.lua" 2>"$T/serve.log" &
    SERVE_PID=$!
    i=0
    while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    U=http://127.0.0.1:$(cat "$T/port")
    wrk -t1 -c4 -d"${SECS}s" --latency -s "$T/asks.lua" "$U" >"$T/asks.out" 2>&1 &
    ASKS=$!
    wrk -t1 -c4 -d"${SECS}s" --latency -s "$T/plain.lua" "$U" >"$T/plain.out" 2>&1
    wait $ASKS
    kill "$SERVE_PID"
    wait "$SERVE_PID" 2>/dev/null
    SERVE_PID=
    printf 'metrc_waits = %s:  asking Metrc %s   |   not asking %s\n' "$waits" \
        "$(summary "$T/asks.out")" "$(summary "$T/plain.out")"
done
