# test_alerts.sh — deadline alerts under `edict serve` on PostgreSQL: the
# obligations decisions carry are kept in edict.obligation as they are
# journaled (a trigger), and the deadline_alerts job raises each one coming
# due within deadline_alert_days, and each past due, once per state, as a
# log line of its own, whichever of two nodes runs it.
. tests/cli/lib.sh
. tests/pg.sh

pg_test_db edict_alerts
"$EDICT" db migrate --store "$OWNER_URL" >/dev/null

P=$TMP/packs
mkpack "$P/ob" ob 1 US-XX
write "$P/ob/rules.lua" <<'EOF2'
rule { id = "ob/file", on = "t.ob", severity = "info", cite = "TEST-7",
  check = function(e, ctx)
    for _, o in ipairs(e.data.obligations) do ctx.obligation { action = o.action, due = o.due } end
  end }
EOF2
day() { date -u -d "$1 days" +%Y-%m-%d; }
ob() {  # ob ID TENANT ACTION DUE [ACTION DUE]
    _o="{\"action\":\"$3\",\"due\":\"$4\"}"
    [ -n "${5:-}" ] && _o="$_o,{\"action\":\"$5\",\"due\":\"$6\"}"
    printf '{"id":"%s","type":"t.ob","tenant":"%s","jurisdiction":"US-XX","occurred_at":"%sT09:00:00Z","data":{"obligations":[%s]}}\n' \
        "$1" "$2" "$(day -10)" "$_o"
}
{
    ob o1 acme file_soon "$(day 3)" file_later "$(day 30)"
    ob o2 acme file_late "$(day -2)"
    ob o3 beta report_today "$(day 0)T17:00:00-05:00"
    ob o4 beta none_due "$(day 60)"
} >"$TMP/ob.ndjson"
run "$EDICT" eval --packs "$P" --store "$URL" "$TMP/ob.ndjson"
is "the events are decided and journaled" "$RC" 0
is "each obligation is kept as it is journaled, under its tenant" \
    "$(db_sql "SELECT string_agg(tenant || ':' || action || ':' || coalesce(due_day::text, '-'), ' ' ORDER BY tenant, seq, idx) FROM edict.obligation")" \
    "acme:file_soon:$(day 3) acme:file_later:$(day 30) acme:file_late:$(day -2) beta:report_today:$(day 0) beta:none_due:$(day 60)"

TOKEN=alerts-token-0123456789abcdef
for n in 1 2; do
    write "$TMP/node.$n.lua" <<EOF2
return {
  listen = "127.0.0.1:0", port_file = "$TMP/port.$n", workers = 1,
  packs = { "$P" }, tenants_dir = false, watch = false,
  store = "$URL", state_dir = "$TMP/state.$n",
  retention_sweep_s = 0, deadline_alerts_s = 1, deadline_alert_days = 7, jobs_poll_ms = 100,
  tenants = { acme = { token_sha256 = "$(printf '%s\n' "$TOKEN" | "$EDICT" serve --hash-token)" } },
}
EOF2
    "$EDICT" serve --config "$TMP/node.$n.lua" 2>>"$TMP/node.$n.log" &
    eval "NODE_$n=\$!"
done
# three due soon or past due: wait for them, then for a few more periods
i=0
while [ "$(cat "$TMP"/node.*.log 2>/dev/null | grep -c '"msg":"obligation ')" -lt 3 ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
sleep 3
kill -TERM "$NODE_1" "$NODE_2" 2>/dev/null
wait "$NODE_1" "$NODE_2" 2>/dev/null
cat "$TMP"/node.*.log | grep '"msg":"obligation ' >"$TMP/alerts"
is "three alerts in all, over several periods and two nodes" "$(wc -l <"$TMP/alerts")" 3
is "the past due one: overdue, naming the tenant, the decision's event and the action" \
    "$(grep -c '"msg":"obligation overdue".*"tenant":"acme","state":"overdue","due":"'"$(day -2)"'","action":"file_late",.*"event_id":"o2","cite":"TEST-7"' "$TMP/alerts")" 1
is "due in 3 days: due soon" "$(grep -c '"msg":"obligation due soon".*"action":"file_soon"' "$TMP/alerts")" 1
is "due today (a timestamp): due soon, in another tenant" "$(grep -c '"tenant":"beta","state":"due_soon","due":"'"$(day 0)"'T17:00:00-05:00","action":"report_today"' "$TMP/alerts")" 1
lacks "due in 30 days: not yet" "$TMP/alerts" "file_later"
is "the database says when each was raised" \
    "$(db_sql "SELECT count(*) FILTER (WHERE due_soon_alerted_at IS NOT NULL) || ' ' || count(*) FILTER (WHERE overdue_alerted_at IS NOT NULL) FROM edict.obligation")" "2 1"
is "the job ran in several periods" "$(test "$(db_sql "SELECT count(*) FROM edict.job_runs WHERE name = 'deadline_alerts'")" -ge 2 && echo yes)" yes
# the edict role reads only its tenant's obligations (row-level security)
is "row-level security: no tenant set, no obligation" \
    "$("$PG_BIN/psql" -X -q -A -t "postgres://edict@127.0.0.1:$EDICT_PG_PORT/$DB" -c "SELECT count(*) FROM edict.obligation")" 0
summary
