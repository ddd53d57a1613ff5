# test_replay.sh — `edict replay` (docs/AUDIT.md, "Replay"): decisions
# made under four versions of a pack (three reloads: eval runs, then serve
# with POST /v1/admin/reload) are decided again from the event bytes kept
# with them and the pack versions kept by digest, byte for byte the same,
# although the packs on disk now decide otherwise; the stored event is
# exactly the event's bytes (NDJSON, pretty-printed, an array element, a
# request body); a changed stored event is caught by `edict audit verify`
# and nothing is replayed; the same with the PostgreSQL store.
. tests/cli/lib.sh

P=$TMP/packs
J=$TMP/journal
export EDICT_JOURNAL_DIR=$J
mkpack "$P/demo" demo 2026.1 US-XX 2020-01-01 "" 'params = { limit = 10 },'
write "$P/demo/rules.lua" <<'EOF'
rule { id = "demo/over", on = "t.a", severity = "critical", cite = "DEMO-1",
  check = function(e, ctx)
    ctx.retain_until("2021-01-01")
    if (e.data.n or 0) > ctx.params.limit then
      return ("n %d is over %d"):format(e.data.n, ctx.params.limit)
    end
  end }
EOF
limit() { sed -i "s/limit = [0-9]*/limit = $1/" "$P/demo/pack.lua"; }
unquote() {  # the event field of entry ID's line (base64), decoded
    grep -h " $1 " "$J"/segment-*.log | cut -d' ' -f12 | base64 -d
}

# --- four pack versions, decisions under each ----------------------------------
# batch 1: NDJSON, an event with spaces, '%' and a tab between tokens
printf '{"id":"b1-1","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2026-01-01T00:00:00Z","data":{"n":15,"note":"50%% off,  two spaces"}}\n' >"$TMP/b1"
printf '{"id":"b1-2",\t"type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2026-01-02T00:00:00Z","data":{"n":5}}   \n' >>"$TMP/b1"
run "$EDICT" eval --packs "$P" "$TMP/b1"
is "batch 1 (limit 10): n 15 is red" "$(jv "$OUT" 'D[1].flag')" red
limit 13
# batch 2: a pretty-printed event
write "$TMP/b2" <<'EOF'
{
  "id": "b2-1", "type": "t.a", "tenant": "acme", "jurisdiction": "US-XX",
  "occurred_at": "2026-02-01T00:00:00Z",
  "data": { "n": 12 }
}
EOF
run "$EDICT" eval --packs "$P" "$TMP/b2"
is "batch 2 (limit 13): n 12 is green" "$(jv "$OUT" 'D[1].flag')" green
limit 11
# batch 3: an array
printf '[ {"id":"b3-1","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2026-03-01T00:00:00Z","data":{"n":12}} ,\n  {"id":"b3-2","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2026-03-02T00:00:00Z","data":{"n":[1,{"x":"]"}]}}\n]\n' >"$TMP/b3"
run "$EDICT" eval --packs "$P" "$TMP/b3"
is "batch 3 (limit 11): n 12 is red" "$(jv "$OUT" 'D[1].flag')" red
limit 100
printf '{"id":"b4-1","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2026-04-01T00:00:00Z","data":{"n":15}}\n' >"$TMP/b4"
run "$EDICT" eval --packs "$P" "$TMP/b4"
is "batch 4 (limit 100): n 15 is green" "$(jv "$OUT" 'D[1].flag')" green
is "four catalogs kept, one per pack version" "$(ls "$J/packs/catalogs" | wc -l | tr -d ' ')" 4

is "an NDJSON line is kept exactly, without its newline" "$(unquote b1-1)" "$(sed -n 1p "$TMP/b1")"
is "... a tab between tokens kept, trailing blanks not" "$(unquote b1-2)" "$(sed -n 2p "$TMP/b1" | sed 's/ *$//')"
is "a pretty-printed event is kept with its lines" "$(unquote b2-1)" "$(cat "$TMP/b2")"
is "an array element is kept exactly" "$(unquote b3-1)" \
    '{"id":"b3-1","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2026-03-01T00:00:00Z","data":{"n":12}}'
is "... the last one too (a ']' inside a string)" "$(unquote b3-2)" \
    '{"id":"b3-2","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2026-03-02T00:00:00Z","data":{"n":[1,{"x":"]"}]}}'

# the packs on disk now decide batch 1 otherwise: replay uses the kept ones
run "$EDICT" eval --packs "$P" --no-journal "$TMP/b1"
is "today's packs would make b1-1 green" "$(jv "$OUT" 'D[1].flag')" green
run "$EDICT" replay --tenant acme
is "replay of every decision: exit 0" "$RC" 0
has "replay: all identical" "$OUT" "6 decisions replayed: 6 identical, 0 different, 0 not replayable"
D1=$(grep -h ' b1-1 ' "$J"/segment-*.log | cut -d' ' -f5)
run "$EDICT" replay "$D1"
is "replay DECISION_ID: exit 0" "$RC" 0
has "replay DECISION_ID: identical" "$OUT" "$D1 (tenant acme, entry 1): identical"
run "$EDICT" replay "$D1" --tenant acme --json
is "--json: the result" "$(jv "$OUT" 'D[1].result .. " " .. D[1].decision_id .. " " .. D[2].summary.identical')" "identical $D1 1"
run "$EDICT" replay --tenant acme --from 2026-02-01 --to 2026-03-01
has "a period: only its decisions" "$OUT" "2 decisions replayed: 2 identical"
run "$EDICT" replay dec-00000000000000000000000000000000
is "an unknown decision: exit 2" "$RC" 2
has "... saying so" "$ERR" "no decision dec-00000000000000000000000000000000"
run "$EDICT" replay --from 2026-01-01
is "a range without a tenant: usage" "$RC" 64

# a regulator package carries what replay needs: replayed offline from it
run "$EDICT" audit package --tenant acme --out "$TMP/acme.tar"
is "package: made" "$RC" 0
mv "$P" "$TMP/packs-away"
run "$EDICT" replay --package "$TMP/acme.tar"
is "replay --package: exit 0, with no store and no packs on disk" "$RC" 0
has "replay --package: every decision identical" "$OUT" "6 decisions replayed: 6 identical, 0 different, 0 not replayable"
mv "$TMP/packs-away" "$P"
mkdir -p "$TMP/pkg" && tar -xf "$TMP/acme.tar" -C "$TMP/pkg"
V1=$(ls "$TMP/pkg/package/replay/versions" | head -1)
printf -- '-- changed\n' >>"$TMP/pkg/package/replay/versions/$V1"
(cd "$TMP/pkg" && tar -cf "$TMP/bad.tar" package)
run "$EDICT" replay --package "$TMP/bad.tar"
is "replay --package of a changed package: exit 1" "$RC" 1
has "... nothing replayed" "$ERR" "does not verify: nothing replayed"

# a kept pack changed on disk: replay says so, names it
V=$(ls "$J"/packs/versions/*.pack | head -1)
cp "$V" "$TMP/v.bak"
sed -i 's/critical/major/' "$V"
run "$EDICT" replay --tenant acme
is "a damaged kept pack: exit 2 (not replayable)" "$RC" 2
has "... naming what is damaged" "$OUT" "is damaged: its files do not match its digest"
cp "$TMP/v.bak" "$V"

# a decision that does not come out the same is reported, with where it
# differs (here: replayed under a smaller instruction budget than it was made)
J4=$TMP/journal4
mkpack "$TMP/spin/spin" spin 2026.1 US-XX
write "$TMP/spin/spin/rules.lua" <<'EOF'
rule { id = "spin/sum", on = "t.a", severity = "minor", cite = "S-1",
  check = function(e)
    local n = 0
    for i = 1, 200000 do n = n + i end
    if n < 0 then return "never" end
  end }
EOF
printf '{"id":"sp-1","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2026-01-01T00:00:00Z","data":{}}\n' >"$TMP/sp"
run "$EDICT" eval --packs "$TMP/spin" --journal "$J4" "$TMP/sp"
run "$EDICT" replay --journal "$J4" --tenant acme --limit-instructions 100000
is "a decision that differs: exit 1" "$RC" 1
has "... says where" "$OUT" "DIFFERENT: differs from byte"
run "$EDICT" replay --journal "$J4" --tenant acme --limit-instructions 100000 --json
is "--json: different, with the decision made again" \
    "$(jv "$OUT" 'D[1].result .. " " .. D[1].replayed.errors[1].rule .. " " .. D[2].summary.different')" "different spin/sum 1"

# --- a changed stored event is caught before replay ------------------------------
cp -R "$J" "$TMP/j-clean"
python3 - "$J"/segment-000001.log <<'EOF'
import base64, sys
p = sys.argv[1]
lines = open(p, 'rb').read().split(b'\n')
for i, l in enumerate(lines):
    f = l.split(b' ')
    if len(f) > 12 and f[5] == b'b1-1':
        f[11] = base64.b64encode(base64.b64decode(f[11]).replace(b'"n":15', b'"n":16'))
        lines[i] = b' '.join(f)
open(p, 'wb').write(b'\n'.join(lines))
EOF
is "setup: the stored event was changed" "$(unquote b1-1 | grep -c '"n":16')" 1
run "$EDICT" audit verify --tenant acme
is "audit verify: a changed event breaks the chain" "$RC" 1
has "... at that entry" "$OUT" "BROKEN at entry 1: hash mismatch"
run "$EDICT" replay --tenant acme
is "replay refuses a chain that does not verify: exit 1" "$RC" 1
has "... saying why" "$ERR" "the journal does not verify: nothing replayed"
is "... and replays nothing" "$(cat "$OUT")" ""
rm -rf "$J" && mv "$TMP/j-clean" "$J"

# retention: the event goes with its decision
run "$EDICT" retention archive --as-of 2099-01-01
run "$EDICT" audit verify --tenant acme
is "archived: the chain still verifies" "$RC" 0
is "archived: no event bytes left" "$(grep -h ' b1-1 ' "$J"/segment-*.log | cut -d' ' -f1,12)" "A3 -"
run "$EDICT" replay "$D1"
is "an archived decision: not replayable (exit 2)" "$RC" 2
has "... saying why" "$OUT" "archived past its retention"

# --- evidence.stored: the decision says whether the vault holds the blob ---------
J3=$TMP/journal3
EDICT_EVIDENCE_KEY=$(openssl rand -hex 32)
export EDICT_EVIDENCE_KEY
mkpack "$TMP/ep/vaulted" vaulted 2026.1 US-XX
write "$TMP/ep/vaulted/rules.lua" <<'EOF'
rule { id = "vaulted/in-vault", on = "evidence.stored", severity = "major", cite = "V-1",
  check = function(e, ctx)
    if ctx.evidence_in_vault == false then
      return "evidence " .. e.data.evidence_id .. " is not in the vault"
    end
  end }
EOF
printf 'a witness statement\n' >"$TMP/w.txt"
run "$EDICT" evidence put "$TMP/w.txt" --tenant acme --type statement --entity waste:W-1 --journal "$J3"
DW=$(cat "$OUT")
DX=$(printf 'never uploaded' | sha512sum | cut -d' ' -f1)
for d in "$DW" "$DX"; do
    printf '{"id":"ev-%.8s","type":"evidence.stored","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2026-06-01T00:00:00Z","data":{"evidence_id":"W-%.4s","sha512":"%s"}}\n' "$d" "$d" "$d"
done >"$TMP/ev"
run "$EDICT" eval --packs "$TMP/ep" --journal "$J3" "$TMP/ev"
is "evidence.stored, the blob in the vault: the decision says so" \
    "$(jv "$OUT" 'tostring(D[1].evidence_in_vault) .. " " .. #D[1].findings')" "true 0"
is "... not in the vault: false, and a rule sees it (ctx.evidence_in_vault)" \
    "$(jv "$OUT" 'tostring(D[2].evidence_in_vault) .. " " .. D[2].findings[1].rule')" "false vaulted/in-vault"
run "$EDICT" eval --packs "$TMP/ep" --no-journal "$TMP/ev"
is "no vault to ask: nothing said, nothing for rules (nil)" "$(jv "$OUT" 'tostring(D[1].evidence_in_vault)')" nil
rm -f "$J3"/evidence/acme/*/"$DW"
run "$EDICT" replay --journal "$J3" --tenant acme
is "replay: the vault as it was when deciding, not as it is now" "$RC $(tail -1 "$OUT")" \
    "0 2 decisions replayed: 2 identical, 0 different, 0 not replayable"
unset EDICT_EVIDENCE_KEY

# --- serve: request bodies, the evaluator process, three reloads -----------------
if command -v curl >/dev/null 2>&1; then
    J2=$TMP/journal2
    limit 10
    token_hash() { printf '%s\n' "$1" | "$EDICT" serve --hash-token; }
    ACME=acme-token-0123456789abcdef
    ADMIN=admin-token-0123456789abcdef
    write "$TMP/edict.conf.lua" <<EOF
return {
  listen = "127.0.0.1:0", port_file = "$TMP/port", workers = 2,
  packs = { "$P" }, tenants_dir = false, journal = "$J2", state_dir = "$TMP/state",
  admin_token_sha256 = "$(token_hash $ADMIN)",
  tenants = { acme = { token_sha256 = "$(token_hash $ACME)" } },
}
EOF
    serve_up "$TMP/edict.conf.lua" "$TMP/port" "$TMP/server.log"
    post() { curl -s -o "$TMP/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $ACME" --data-binary "@$1" "$U/v1/evaluate"; }
    reload() { curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" "$U/v1/admin/reload"; }
    n=0
    for l in 12 9 14 30; do
        n=$((n + 1))
        printf '  [ {"id":"s%d-1","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2026-05-0%dT00:00:00Z","data":{"n":13}},\n {"id":"s%d-2","type":"t.a","jurisdiction":"US-XX","occurred_at":"2026-05-0%dT01:00:00Z","data":{"n":11, "s":"a b"}} ]\n' "$n" "$n" "$n" "$n" >"$TMP/req$n"
        printf '{"id":"s%d-3","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2026-05-0%dT02:00:00Z","data":{"n":20}}\n\n{"id":"s%d-4","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2026-05-0%dT03:00:00Z","data":{"n":1}}' "$n" "$n" "$n" "$n" >"$TMP/nd$n"
        is "serve: request $n (array) decided" "$(post "$TMP/req$n")" 200
        is "serve: request $n (NDJSON) decided" "$(post "$TMP/nd$n")" 200
        limit "$l"
        [ $n -lt 4 ] && is "serve: reload $n" "$(reload)" 200
    done
    serve_down
    run "$EDICT" replay --journal "$J2" --tenant acme
    is "serve: replay after three reloads: exit 0" "$RC" 0
    has "serve: every decision identical" "$OUT" "16 decisions replayed: 16 identical, 0 different, 0 not replayable"
    is "serve: four catalogs kept" "$(ls "$J2/packs/catalogs" | wc -l | tr -d ' ')" 4
    J=$J2
    is "serve: an array element of a body kept exactly" "$(unquote s1-2)" \
        '{"id":"s1-2","type":"t.a","jurisdiction":"US-XX","occurred_at":"2026-05-01T01:00:00Z","data":{"n":11, "s":"a b"}}'
    is "serve: an NDJSON line of a body, kept exactly" "$(unquote s2-4)" \
        '{"id":"s2-4","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2026-05-02T03:00:00Z","data":{"n":1}}'
fi

# --- the PostgreSQL store ----------------------------------------------------------
. tests/pg.sh
pg_test_db edict_replay
run "$EDICT" db migrate --store "$OWNER_URL"
is "pg: migrate (006 included)" "$RC" 0
limit 10
run "$EDICT" eval --packs "$P" --store "$URL" "$TMP/b1"
limit 13
run "$EDICT" eval --packs "$P" --store "$URL" "$TMP/b2"
limit 11
run "$EDICT" eval --packs "$P" --store "$URL" "$TMP/b3"
limit 100
run "$EDICT" eval --packs "$P" --store "$URL" "$TMP/b4"
run "$EDICT" replay --store "$URL" --tenant acme
is "pg: replay after three reloads: exit 0" "$RC" 0
has "pg: all identical" "$OUT" "6 decisions replayed: 6 identical, 0 different, 0 not replayable"
is "pg: the catalogs are kept in the database" "$(db_sql 'SELECT count(*) FROM edict.kept_catalog')" 4
is "pg: the event is kept exactly" \
    "$(db_sql "SELECT convert_from(event, 'UTF8') FROM edict.journal WHERE event_id = 'b2-1'")" "$(cat "$TMP/b2")"
# retention in the database: the event goes with its decision (migration 006)
db_sql "CREATE DATABASE ${DB}_copy TEMPLATE $DB OWNER edict_owner" >/dev/null 2>&1 ||
    "$PG_BIN/psql" -X -q "$EDICT_PG_ADMIN" -c "CREATE DATABASE ${DB}_copy TEMPLATE $DB OWNER edict_owner" >/dev/null
COPY_URL=postgres://edict@127.0.0.1:$EDICT_PG_PORT/${DB}_copy
run "$EDICT" retention archive --as-of 2099-01-01 --store "$COPY_URL"
run "$EDICT" audit verify --store "$COPY_URL" --tenant acme
is "pg: archived, the chain still verifies" "$RC" 0
is "pg: archived, no event left" "$("$PG_BIN/psql" -X -q -A -t "$EDICT_PG_ADMIN dbname=${DB}_copy" -c "SELECT count(*) FROM edict.journal WHERE retention_until <> '' AND (event IS NOT NULL OR bytes IS NOT NULL)")" 0
db_sql "ALTER TABLE edict.journal DISABLE TRIGGER journal_append_only" >/dev/null
db_sql "UPDATE edict.journal SET event = convert_to(replace(convert_from(event, 'UTF8'), '\"n\":15', '\"n\":16'), 'UTF8') WHERE event_id = 'b1-1'" >/dev/null
db_sql "ALTER TABLE edict.journal ENABLE TRIGGER journal_append_only" >/dev/null
run "$EDICT" audit verify --store "$URL" --tenant acme
is "pg: a changed event breaks the chain" "$RC" 1
has "pg: ... at that entry" "$OUT" "BROKEN at entry 1: hash mismatch"
run "$EDICT" replay --store "$URL" --tenant acme
is "pg: replay refuses it: exit 1" "$RC" 1

summary
