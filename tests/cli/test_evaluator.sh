# test_evaluator.sh — `edict serve` runs tenants' rules in supervised
# evaluator processes (isolate_rules): an evaluator that crashes (killed
# here with SIGSEGV while a rule runs, as an interpreter bug would kill it)
# or is killed, or overruns evaluation_deadline_ms costs the event it was deciding — a
# journaled lost decision — and nothing else: the rest of the batch, the
# next request and the other tenants are decided as before.
. tests/cli/lib.sh

if ! command -v curl >/dev/null 2>&1 || ! command -v pgrep >/dev/null 2>&1; then
    fail "setup" "curl or pgrep is not installed (make deps)"
    summary
fi

P=$TMP/packs
mkpack "$P/demo" demo 2026.1 US-XX 2020-01-01 "" 'params = { limit = 10 },'
write "$P/demo/rules.lua" <<'EOF'
rule { id = "demo/over", on = "t.a", severity = "critical", cite = "DEMO-1",
  check = function(e, ctx)
    if (e.data.n or 0) > ctx.params.limit then
      return ("n %d is over %d"):format(e.data.n, ctx.params.limit)
    end
  end }
-- busy until a limit stops it: seconds of work, long enough to be killed in
rule { id = "demo/slow", on = "t.slow", severity = "minor", cite = "DEMO-2",
  check = function(e, ctx)
    local x = 0
    while true do x = (x + 1) % 7 end
  end }
EOF

token_hash() { printf '%s\n' "$1" | "$EDICT" serve --hash-token; }
ACME=acme-token-0123456789abcdef
BETA=beta-token-0123456789abcdef
ADMIN=admin-token-0123456789abcdef

# conf NAME EXTRA: a server configuration with one worker (so one evaluator)
conf() {
    write "$TMP/$1.conf.lua" <<EOF
return {
  listen = "127.0.0.1:0", port_file = "$TMP/$1.port", workers = 1,
  packs = { "$P" }, tenants_dir = false, watch = false,
  journal = "$TMP/$1.journal", state_dir = "$TMP/$1.state", max_batch_events = 2000,
  limits = { instructions = 1000000000, time_ms = 60000 },
  admin_token_sha256 = "$(token_hash $ADMIN)",
  tenants = {
    acme = { token_sha256 = "$(token_hash $ACME)", rate_per_minute = 100000, burst = 100000 },
    beta = { token_sha256 = "$(token_hash $BETA)", rate_per_minute = 100000, burst = 100000 },
  },
  $2
}
EOF
}

start() {
    serve_up "$TMP/$1.conf.lua" "$TMP/$1.port" "$TMP/$1.log"
    PID=$SERVE_PID
}
stop() {
    serve_down
}
req() {
    _m=$1
    _p=$2
    shift 2
    ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -X "$_m" "$@" "$U$_p")
}
acme() { req "$@" -H "Authorization: Bearer $ACME"; }
beta() { req "$@" -H "Authorization: Bearer $BETA"; }
ev() { event "$1" "{\"n\":${2:-1}}" 2026-02-01T00:00:00Z "${3:-t.a}" US-XX "${4:-acme}"; }

evaluator() { pgrep -P "$PID" | head -1; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# kill_when_busy SIGNAL: once the evaluator has spent 0.3 s of CPU more
# than now (a rule is running: nothing else here takes that long), send it
# SIGNAL
kill_when_busy() {
    _pid=$(evaluator)
    _from=$(cpu_ticks "$_pid")
    _i=0
    while [ $_i -lt 600 ]; do
        if [ $(($(cpu_ticks "$_pid") - _from)) -ge 30 ]; then
            kill "-$1" "$_pid"
            return 0
        fi
        sleep 0.05
        _i=$((_i + 1))
    done
    echo "the evaluator never got busy" >&2
    return 1
}

# --- a crash while one event's rules run ----------------------------------
conf crash ""
start crash
check "serve starts with its evaluator process" [ -n "$(evaluator)" ]
is "the evaluator is named edict-eval" "$(cat /proc/"$(evaluator)"/comm)" "edict-eval"
FIRST=$(evaluator)
ev s1 1 t.slow >"$TMP/s1"
kill_when_busy KILL &
KILLER=$!
acme POST /v1/evaluate --data-binary @"$TMP/s1"
wait $KILLER
is "a crashed evaluation is answered: 200, one decision" "$ST $(jv "$TMP/body" 'D[1].decided')" "200 1"
is "it is a lost decision: yellow, no findings, no packs" \
    "$(jv "$TMP/body" 'D[1].decisions[1].flag .. #D[1].decisions[1].findings .. #D[1].decisions[1].packs')" "yellow00"
is "its error covers every rule" "$(jv "$TMP/body" 'D[1].decisions[1].errors[1].rules')" "all"
has "its error says how the process ended" "$TMP/body" "was killed by signal 9 (SIGKILL)"
is "the lost decision is the event's" "$(jv "$TMP/body" 'D[1].decisions[1].event_id .. " " .. D[1].decisions[1].tenant')" "s1 acme"
LOST=$(jv "$TMP/body" 'D[1].decisions[1].decision_id')
acme GET "/v1/decisions/$LOST"
is "the lost decision is journaled" "$ST $(jv "$TMP/body" 'D[1].event_id')" "200 s1"
check "a new evaluator process took over" [ -n "$(evaluator)" ] && [ "$(evaluator)" != "$FIRST" ]
ev f1 50 >"$TMP/f1"
acme POST /v1/evaluate --data-binary @"$TMP/f1"
is "the next request is decided by its rules" \
    "$ST $(jv "$TMP/body" 'D[1].decisions[1].flag .. " " .. D[1].decisions[1].findings[1].rule')" "200 red demo/over"
ev g1 1 t.a beta >"$TMP/g1"
beta POST /v1/evaluate --data-binary @"$TMP/g1"
is "another tenant is served" "$ST $(jv "$TMP/body" 'D[1].decisions[1].flag')" "200 green"

# --- a crash in the middle of a batch -------------------------------------
# (SIGSEGV, as an interpreter bug would end it; under the sanitizers the
# process reports and exits instead of dying of the signal)
{ ev b1 1; ev b2 1 t.slow; ev b3 50; ev b4 2; } >"$TMP/batch"
kill_when_busy SEGV &
KILLER=$!
acme POST /v1/evaluate --data-binary @"$TMP/batch" -H 'Content-Type: application/x-ndjson'
wait $KILLER
is "the batch: every event answered, in order" \
    "$ST $(jv "$TMP/body" 'join(pluck(D[1].decisions, "event_id"), ",")')" "200 b1,b2,b3,b4"
is "only the event being decided is lost" \
    "$(jv "$TMP/body" 'join(pluck(D[1].decisions, "flag"), ",")')" "green,yellow,red,green"
is "the events after it are decided by the new process" \
    "$(jv "$TMP/body" 'D[1].decisions[3].findings[1].rule .. " " .. #D[1].decisions[3].packs')" "demo/over 1"

# answers over the output high water (64 KiB), one after the other on one
# keep-alive connection: the second is read and answered, not left until
# the connection idles out
i=0
while [ $i -lt 1500 ]; do ev "big-$i" 1; i=$((i + 1)); done >"$TMP/big"
curl -s --max-time 20 -o "$TMP/big1" -o "$TMP/big2" -w '%{http_code} %{num_connects}\n' \
    -H "Authorization: Bearer $ACME" --data-binary @"$TMP/big" \
    "$U/v1/evaluate" "$U/v1/evaluate" >"$TMP/bigst"
is "two large answers on one connection: both 200, one connect" "$(tr '\n' ' ' <"$TMP/bigst")" "200 1 200 0 "
is "the second is whole" "$(jv "$TMP/big2" 'D[1].decided')" "1500"

req GET /metrics
has "metrics count the lost evaluators" "$TMP/body" "edict_evaluator_lost_total 2"
has "the log says a process was lost, for which tenant" "$TMP/crash.log" '"msg":"a rule evaluator process was lost'
acme GET /v1/audit/verify
is "the tenant's chain verifies with the lost decisions in it" "$ST $(jv "$TMP/body" 'D[1].ok')" "200 true"
stop
is "the evaluator process ends with the server" "$(pgrep -P "$PID" | wc -l)" "0"

# --- the deadline ---------------------------------------------------------
conf deadline "evaluation_deadline_ms = 300,"
start deadline
ev d1 1 t.slow >"$TMP/d1"
acme POST /v1/evaluate --data-binary @"$TMP/d1"
is "an evaluation past the deadline is answered with a lost decision" \
    "$ST $(jv "$TMP/body" 'D[1].decisions[1].flag .. " " .. D[1].decisions[1].errors[1].rules')" "200 yellow all"
has "its error names the deadline" "$TMP/body" "ran past its deadline of 0.3 s and was stopped"
{ ev m1 1 t.slow; ev m2 1 t.slow; ev m3 1 t.slow; ev m4 1 t.slow; ev m5 2; } >"$TMP/many"
acme POST /v1/evaluate --data-binary @"$TMP/many" -H 'Content-Type: application/x-ndjson'
is "three lost processes in a request: those three get lost decisions" \
    "$ST $(jv "$TMP/body" 'join(pluck(D[1].decisions, "event_id"), ",")')" "200 m1,m2,m3"
is "and the rest are refused, not tried" \
    "$(jv "$TMP/body" 'D[1].errors[1].line .. " " .. D[1].errors[2].line')" "4 5"
has "saying why" "$TMP/body" "the rule evaluator was lost 3 times on this request"
ev d2 3 >"$TMP/d2"
acme POST /v1/evaluate --data-binary @"$TMP/d2"
is "then the next request is decided" "$ST $(jv "$TMP/body" 'D[1].decisions[1].flag')" "200 green"
# POST /v1/admin/diff runs the rules apart too: a comparison that overruns
# (its deadline is ten evaluation deadlines) is a 500, and the server goes on
printf '{"tenant":"acme","to":["%s"],"events":[%s]}' "$P" "$(cat "$TMP/d1")" >"$TMP/diff"
req POST /v1/admin/diff -H "Authorization: Bearer $ADMIN" --data-binary @"$TMP/diff"
is "admin diff whose rules overrun: 500 diff_failed" "$ST $(jv "$TMP/body" 'D[1].error.code')" "500 diff_failed"
has "... saying the process ran past its deadline" "$TMP/body" "ran past its deadline of 3 s"
printf '{"tenant":"acme","to":["%s"],"events":[%s]}' "$P" "$(cat "$TMP/d2")" >"$TMP/diff2"
req POST /v1/admin/diff -H "Authorization: Bearer $ADMIN" --data-binary @"$TMP/diff2"
is "then an admin diff that does not overrun answers" "$ST $(jv "$TMP/body" 'D[1].events .. D[1].changed')" "200 10"
acme POST /v1/evaluate --data-binary @"$TMP/d2"
is "and evaluations go on" "$ST" "200"
stop

# --- isolate_rules = false: in the server's own process -------------------
conf inproc "isolate_rules = false,"
start inproc
is "without isolation there is no evaluator process" "$(pgrep -P "$PID" | wc -l)" "0"
acme POST /v1/evaluate --data-binary @"$TMP/f1"
is "and events are decided" "$ST $(jv "$TMP/body" 'D[1].decisions[1].flag')" "200 red"
stop

summary
