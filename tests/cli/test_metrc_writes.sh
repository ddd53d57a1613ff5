# test_metrc_writes.sh — writes for Metrc that rules ask for in their
# decisions (ctx.metrc_write; RULES.md "Writes to Metrc"): in the outbox
# when, and only when, the decision is journaled (file store and
# PostgreSQL, where it is the journal's own transaction), once per
# decision however often it is journaled, pushed to the emulator each
# exactly once under 20 % injected failures; a rule that fails leaves no
# write; what a rule may ask for is checked with file:line.
. tests/cli/lib.sh
. tests/metrc.sh
. tests/pg.sh
OWN_PG=
trap 'emu_stop; [ -n "$OWN_PG" ] && pg_stop; [ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT

VK=emu-vendor-key-$$
UK=emu-user-key-$$
cat >"$TMP/emu.json" <<EOF
{"vendor_key": "$VK", "users": {"$UK": ["OR-LIC-1", "OR-LIC-2"]},
 "seed": {"packages": 5, "plants": 2, "plantbatches": 1, "harvests": 1, "transfers": 1}}
EOF
emu_start "$TMP/emu.json" || { fail "emulator" "did not start"; summary; exit 1; }
umask 077
printf 'vendor_key=%s\nuser_key=%s\n' "$VK" "$UK" >"$TMP/keys"
unset EDICT_METRC_VENDOR_KEY EDICT_METRC_USER_KEY

# waste ID [LICENCE [TYPE]]: a destroyed, fully documented Oregon waste record
waste() {
    printf '{"id":"%s","type":"waste.recorded","tenant":"acme","jurisdiction":"US-OR","occurred_at":"2026-03-06T10:15:00-08:00","data":{"waste_id":"W-%s","weight_g":1200,"waste_type":"%s","whole_plant_height_in":30,"reason":"male plant culled","method":"compost","held_since":"2026-03-02T09:00:00-08:00","camera_covered":true,"destroyed_at":"2026-03-06T10:00:00-08:00","witness":{"name":"J. Doe","employee_id":"E-7"},"photos":[{"sha256":"%s","uri":"s3://x/1.jpg"}],"license":"%s"}}\n' \
        "$1" "$1" "${3:-plant}" "$(printf 'a1%.0s' $(seq 32))" "${2-OR-LIC-1}"
}
P="--packs $ROOT/jurisdictions"
J=$TMP/journal

# ---- eval: one write per decision, in the outbox once -------------------
i=0
: >"$TMP/w.ndjson"
while [ $i -lt 20 ]; do
    waste "w-$i" >>"$TMP/w.ndjson"
    i=$((i + 1))
done
waste w-none "" >>"$TMP/w.ndjson" # no licence: no write
run "$EDICT" eval $P --store "$J" "$TMP/w.ndjson"
is "eval: 21 decisions" "$(grep -c decision_id "$OUT")" 21
is "each licensed record's decision carries its write" "$(grep -c '"metrc_writes":\[{"rule":"us-or/waste-metrc","license":"OR-LIC-1","method":"POST","path":"/plants/v2/waste"' "$OUT")" 20
lacks "the record without a licence asks for none (no metrc_writes key)" "$(grep w-none "$OUT" >"$TMP/none"; echo "$TMP/none")" metrc_writes
grep '"w-0"' "$OUT" >"$TMP/d0"
ID0=$(jv "$TMP/d0" 'D[1].decision_id')
run "$EDICT" metrc outbox --tenant acme --store "$J" --only pending
is "20 writes pending in the outbox" "$(grep -c . "$OUT")" 20
has "the key is the decision id and the write's place" "$OUT" "$ID0/metrc/1	pending	POST /plants/v2/waste	OR-LIC-1"
# the same events again (a client retrying): journaled again, queued never
run "$EDICT" eval $P --store "$J" "$TMP/w.ndjson"
run "$EDICT" metrc outbox --tenant acme --store "$J"
is "decided and journaled again: still 20 writes" "$(grep -c . "$OUT")" 20
# the file store keeps a decision's writes "staged" before its entry and
# pending once it is appended: cut between the two (the entry there, the
# write still staged) the write is pending for whoever reads the outbox;
# staged for an entry that never came, it is never sent
BOX=$J/metrc/acme/outbox
K0=$(printf '%s' "$ID0/metrc/1" | sed 's|/|%2F|g')
printf staged >"$BOX/$K0/state"
cp -R "$BOX/$K0" "$BOX/dec-00000000000000000000000000000000%2Fmetrc%2F1"
run "$EDICT" metrc outbox --tenant acme --store "$J" --only pending
is "a staged write whose decision is journaled is pending" "$(grep -c "^$ID0/metrc/1	pending" "$OUT")" 1
is "... and still 20 pending" "$(grep -c . "$OUT")" 20
run "$EDICT" metrc outbox --tenant acme --store "$J"
has "a staged write without its decision stays staged" "$OUT" "dec-00000000000000000000000000000000/metrc/1	staged"
# not journaled: nothing queued
J2=$TMP/j2
run "$EDICT" eval $P --store "$J2" --no-journal "$TMP/w.ndjson"
run "$EDICT" metrc outbox --tenant acme --store "$J2"
is "--no-journal: nothing in the outbox" "$(grep -c . "$OUT")" 0

# ---- push under 20 % failures: each applied exactly once ---------------
M="--tenant acme --base-url $EMU_URL --keys $TMP/keys --store $J --backoff 0.05"
emu_faults '{"error_rate": 0.1, "cut_after_rate": 0.1, "only_paths": ["/plants/"]}'
p=0
while [ $p -lt 8 ]; do
    "$EDICT" metrc outbox push $M --attempts 2 >>"$TMP/pushes.log" 2>&1 && break
    p=$((p + 1))
done
emu_faults '{}'
run "$EDICT" metrc outbox --tenant acme --store "$J" --only sent
is "all 20 writes sent" "$(grep -c . "$OUT")" 20
run "$EDICT" metrc outbox --tenant acme --store "$J" --only staged
is "the staged write without its decision was not sent" "$(grep -c . "$OUT")" 1
emu_stats >"$TMP/stats.json"
is "Metrc applied each decision's write exactly once" \
    "$(jv "$TMP/stats.json" '(function() local n, bad = 0, 0 for k, v in pairs(D[1].applied) do if k:match("/metrc/1$") then n = n + 1; if v ~= 1 then bad = bad + 1 end end end return n .. "/" .. bad end)()')" "20/0"
is "failures were injected into the pushes" \
    "$(jv "$TMP/stats.json" '(D[1].by_path["/plants/v2/waste"] or 0) > 20')" true
curl -s "$EMU_URL/_emulator/writes" >"$TMP/writes.json"
is "the waste entries Metrc holds: 20, from the records" \
    "$(jv "$TMP/writes.json" '(function() local n = 0 for _, w in ipairs(D[1]) do if w.op == "waste" and w.object.WasteWeight == 1200 and w.object.WasteDate == "2026-03-06" and w.object.ReasonNote:match("^edict waste record W%-") then n = n + 1 end end return n end)()')" 20
run "$EDICT" metrc outbox push $M
has "a push with nothing pending sends nothing" "$OUT" "pushed: 0 sent, 0 dead, 0 still pending"

# ---- what a rule may ask for, and a failing rule's writes --------------
mkpack "$TMP/p" mw 1.0 US-XX
write "$TMP/p/rules.lua" <<'EOF'
rule { id = "mw/ok", on = "t.a", severity = "info", cite = "test",
  check = function(e, ctx)
    ctx.metrc_write { license = "OR-LIC-1", path = "/packages/v2/adjust",
      objects = { { Label = e.data.label, Quantity = -1 } } }
  end }
rule { id = "mw/fails", on = "t.a", severity = "info", cite = "test",
  check = function(e, ctx)
    ctx.metrc_write { license = "OR-LIC-1", path = "/packages/v2/adjust", objects = { { Label = "X" } } }
    error("after asking")
  end }
rule { id = "mw/bad-path", on = "t.b", severity = "info", cite = "test",
  check = function(e, ctx)
    ctx.metrc_write { license = "OR-LIC-1", path = "/packages/v2/adjust?licenseNumber=OR-LIC-2", objects = { {} } }
  end }
rule { id = "mw/too-many", on = "t.c", severity = "info", cite = "test",
  check = function(e, ctx)
    local o = {}
    for i = 1, 11 do o[i] = { Label = "L" .. i } end
    ctx.metrc_write { license = "OR-LIC-1", path = "/packages/v2/adjust", objects = o }
  end }
EOF
{ event a1 '{"label":"PKG-1"}'; event b1 '{}' '' t.b; event c1 '{}' '' t.c; } >"$TMP/t.ndjson"
J3=$TMP/j3
run "$EDICT" eval --packs "$TMP/p" --store "$J3" "$TMP/t.ndjson"
cp "$OUT" "$TMP/t.out"
grep '"a1"' "$OUT" >"$TMP/a1"
is "a rule that fails after asking leaves no write; the other rule's stays" \
    "$(jv "$TMP/a1" 'join(pluck(D[1].metrc_writes, "rule")) .. " " .. D[1].errors[1].rule')" "mw/ok mw/fails"
is "the objects as the rule gave them, keys sorted" \
    "$(grep -c '"objects":\[{"Label":"PKG-1","Quantity":-1}\]' "$TMP/a1")" 1
has "a path with a query is refused at the rule's line" "$OUT" \
    "ctx.metrc_write: 'path' must be a Metrc path such as \\\"/plants/v2/waste\\\" (no query: the licence is added)"
has "... with its file:line" "$OUT" "p/rules.lua:13\",\"message\":\"ctx.metrc_write: 'path'"
has "more than 10 objects is refused" "$OUT" "'objects' must be a list of 1 to 10 objects (Metrc's limit per request), not 11"
run "$EDICT" metrc outbox --tenant acme --store "$J3"
is "only the good rule's write is in the outbox" "$(grep -c . "$OUT")" 1

# ---- edict serve: POST /v1/evaluate journals the decision and its write --
TOKEN=metrc-writes-token-0123456789
HASH=$(printf '%s\n' "$TOKEN" | "$EDICT" serve --hash-token)
JS=$TMP/js
write "$TMP/serve.lua" <<EOF
return {
  listen = "127.0.0.1:0", port_file = "$TMP/serve.port", workers = 1,
  tenants = { acme = { token_sha256 = "$HASH" } },
  packs = { "$ROOT/jurisdictions" }, tenants_dir = false, watch = false,
  journal = "$JS", state_dir = "$TMP/serve.state", jobs_poll_ms = 200,
  metrc = { { tenant = "acme", license = "OR-LIC-2", base_url = "$EMU_URL",
              keys = "$TMP/keys", push_s = 1 } },
}
EOF
serve_up "$TMP/serve.lua" "$TMP/serve.port" "$TMP/serve.log"
waste s-1 OR-LIC-2 post_harvest >"$TMP/s1.json"
code=$(curl -s -o "$TMP/s1.out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    --data-binary @"$TMP/s1.json" "$U/v1/evaluate")
is "serve: 200" "$code" 200
has "serve: the decision carries the write" "$TMP/s1.out" '"path":"/harvests/v2/waste"'
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" --data-binary @"$TMP/s1.json" "$U/v1/evaluate"
SKEY=$(jv "$TMP/s1.out" 'D[1].decisions[1].decision_id')/metrc/1
# serve pushes the licence's outbox every push_s (1 s here) between syncs
i=0
while [ $i -lt 100 ]; do
    emu_stats >"$TMP/sstats.json"
    [ "$(jv "$TMP/sstats.json" 'str(D[1].applied["'"$SKEY"'"])')" = 1 ] && break
    sleep 0.1
    i=$((i + 1))
done
is "serve: the decision's write reached Metrc by serve's own push, once" \
    "$(jv "$TMP/sstats.json" 'str(D[1].applied["'"$SKEY"'"]) .. " " .. str(D[1].receipts["'"$SKEY"'"])')" "1 1"
serve_down
run "$EDICT" metrc outbox --tenant acme --store "$JS"
is "serve: one write kept, though the event came twice" "$(grep -c . "$OUT")" 1
has "serve: the write, sent" "$OUT" "$SKEY	sent	POST /harvests/v2/waste	OR-LIC-2"

# ---- PostgreSQL: in the journal's transaction ---------------------------
pg_up=1
if [ -z "${EDICT_PG_ADMIN:-}" ]; then
    OWN_PG=1
    pg_start && pg_migrate || pg_up=
fi
if [ -n "$pg_up" ]; then
    PT=mw$$
    sed "s/\"tenant\":\"acme\"/\"tenant\":\"$PT\"/" "$TMP/w.ndjson" >"$TMP/pw.ndjson"
    run "$EDICT" eval $P --store "$EDICT_PG_URL" "$TMP/pw.ndjson"
    is "PostgreSQL: eval exits 0" "$RC" 0
    run "$EDICT" eval $P --store "$EDICT_PG_URL" "$TMP/pw.ndjson"
    is "PostgreSQL: 20 writes for 42 journaled decisions" \
        "$(pg_admin_sql "SELECT (SELECT count(*) FROM edict.metrc_outbox WHERE tenant = '$PT') || '/' || (SELECT count(*) FROM edict.journal WHERE tenant = '$PT')")" "20/42"
    is "PostgreSQL: every write's decision is in the journal" \
        "$(pg_admin_sql "SELECT count(*) FROM edict.metrc_outbox o WHERE tenant = '$PT' AND NOT EXISTS (SELECT 1 FROM edict.journal j WHERE j.tenant = o.tenant AND o.key = j.decision_id || '/metrc/1')")" 0
    run "$EDICT" metrc outbox push --tenant "$PT" --base-url "$EMU_URL" --keys "$TMP/keys" --store "$EDICT_PG_URL"
    has "PostgreSQL: pushed" "$OUT" "pushed: 20 sent, 0 dead"
else
    fail "postgresql" "the private server did not start"
fi

summary
