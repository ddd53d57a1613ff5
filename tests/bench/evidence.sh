#!/bin/sh
# tests/bench/evidence.sh — the evidence vault and regulator packages
# (issue 14): a 50 MB POST /v1/evidence to `edict serve` (streamed,
# encrypted, synced, journaled) and `edict evidence put` of the same file;
# then a year of one tenant's decisions (100,000 generated events decided
# into a fresh journal, checkpointed) packaged for an authority: the
# whole year, and one entity's request; and verify-package of the year.
# Numbers only; never fails on speed.
#
#   EDICT=build/rel/edict sh tests/bench/evidence.sh
cd "$(dirname "$0")/../.." || exit 1
EDICT=${EDICT:-build/rel/edict}
OUT=build/bench
N=${BENCH_PACKAGE_EVENTS:-100000}
mkdir -p "$OUT" || exit 1
dir=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null; rm -rf "$dir"' EXIT
PID=
export EDICT_EVIDENCE_KEY
EDICT_EVIDENCE_KEY=$(openssl rand -hex 32)
ms() { echo $(( ($2 - $1) / 1000000 )); }
now() { date +%s%N; }

# --- 50 MB upload ---------------------------------------------------------------
head -c 52428800 /dev/urandom >"$dir/big.bin"
TOKEN=bench-token-0123456789abcdef
cat >"$dir/edict.conf.lua" <<EOF
return { listen = "127.0.0.1:0", port_file = "$dir/port", workers = 2,
  packs = { "$PWD/rules" }, tenants_dir = false, journal = "$dir/j-serve",
  state_dir = "$dir/state", watch = false, reload_runs_fixtures = false,
  tenants = { acme = { token_sha256 = "$(printf '%s\n' "$TOKEN" | "$EDICT" serve --hash-token)" } } }
EOF
"$EDICT" serve --config "$dir/edict.conf.lua" 2>"$dir/serve.log" &
PID=$!
i=0
while [ ! -s "$dir/port" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
U=http://127.0.0.1:$(cat "$dir/port")
for run in 1 2 3; do
    head -c 16 /dev/urandom >>"$dir/big.bin" # new bytes each time: stored, not deduplicated
    t0=$(now)
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        --data-binary @"$dir/big.bin" "$U/v1/evidence?type=video&entity=bench:$run")
    t1=$(now)
    echo "evidence: POST /v1/evidence of 50 MB: $(ms "$t0" "$t1") ms (HTTP $code, run $run)"
done
echo "evidence: serve's peak RSS after three uploads: $(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$PID/status")"
kill "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
PID=
t0=$(now)
"$EDICT" evidence put "$dir/big.bin" --journal "$dir/j-cli" --tenant acme --type video \
    --entity bench:cli >/dev/null 2>&1
t1=$(now)
echo "evidence: edict evidence put of 50 MB: $(ms "$t0" "$t1") ms"

# --- a year of decisions, packaged ------------------------------------------------
J=$dir/j-year
# every event one tenant's: a year of acme
lua5.4 tests/bench/gen_events.lua "$N" 7 | sed 's/"tenant":"[a-z]*"/"tenant":"acme"/' \
    >"$dir/events.ndjson" || exit 1
tenant=acme
t0=$(now)
"$EDICT" eval --journal "$J" "$dir/events.ndjson" >/dev/null 2>&1
t1=$(now)
decided=$("$EDICT" audit verify --journal "$J" --tenant "$tenant" | sed -n 's/.*: \([0-9]*\) entries.*/\1/p')
echo "package: setup: $decided decisions of tenant $tenant decided in $(ms "$t0" "$t1") ms"
"$EDICT" audit keygen --key "$dir/audit.key" >/dev/null
"$EDICT" audit checkpoint --journal "$J" --key "$dir/audit.key" >/dev/null
entity=$(sed -n '1p' "$dir/events.ndjson" | sed 's/.*"employee_id":"\([^"]*\)".*/\1/')
t0=$(now)
"$EDICT" audit package --journal "$J" --tenant "$tenant" --from 2026-01-01 --to 2026-12-31 \
    --pub "$dir/audit.key.pub" --out "$dir/year.tar" >"$dir/year.out" 2>&1
t1=$(now)
echo "package: the year ($(sed -n 's/.*: \([0-9]*\) decisions selected.*/\1/p' "$dir/year.out") decisions, $(du -m "$dir/year.tar" | cut -f1) MB): $(ms "$t0" "$t1") ms"
t0=$(now)
"$EDICT" audit package --journal "$J" --tenant "$tenant" --entity "$entity" \
    --out "$dir/entity.tar" >"$dir/entity.out" 2>&1
t1=$(now)
echo "package: an authority's request for $entity ($(sed -n 's/.*: \([0-9]*\) decisions\{0,1\} selected.*/\1/p' "$dir/entity.out") selected of $decided): $(ms "$t0" "$t1") ms"
t0=$(now)
"$EDICT" audit verify-package "$dir/year.tar" >"$dir/verify.out" 2>&1
t1=$(now)
echo "package: verify-package of the year: $(ms "$t0" "$t1") ms ($(tail -1 "$dir/verify.out" | sed 's/.*: //'))"
