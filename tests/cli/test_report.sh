# test_report.sh — `edict report monthly` (README, "Reports"): a tenant's
# month from its journal, checked against counts made here independently
# from the decisions `edict eval` printed; every format; obligations
# overdue as of a date; waste decisions; evidence uploads; the month
# reconciled with Metrc (a store synced from the emulator, its outbox
# pushed to it); a chain that does not verify is refused.
. tests/cli/lib.sh
. tests/metrc.sh
. tests/pg.sh
OWN_PG=
trap 'emu_stop; [ -n "$OWN_PG" ] && pg_stop; [ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT

J=$TMP/journal
export EDICT_JOURNAL_DIR=$J
for f in examples/us-or.ndjson examples/us-ca.ndjson examples/employee.ndjson; do
    "$EDICT" eval "$f" >>"$TMP/decisions" 2>/dev/null
done
# what the report must say, counted from eval's own output
expect() {
    lua5.4 - "$TMP/decisions" "$1" <<'LUA'
local cjson = require "cjson"
local n, flags, rules, waste, obl = 0, { green = 0, yellow = 0, red = 0 }, {}, 0, 0
for line in io.lines(arg[1]) do
  local d = cjson.decode(line)
  if d.tenant == "greenleaf" and d.occurred_at:sub(1, 7) == "2026-03" then
    n = n + 1
    flags[d.flag] = flags[d.flag] + 1
    for _, f in ipairs(d.findings) do rules[f.rule] = (rules[f.rule] or 0) + 1 end
    if d.type:match("^waste%.") then waste = waste + 1 end
    obl = obl + #d.obligations
  end
end
if arg[2] == "totals" then
  print(("%d %d %d %d"):format(n, flags.green, flags.yellow, flags.red))
elseif arg[2] == "rules" then
  local t = {}
  for r, c in pairs(rules) do t[#t + 1] = r .. "=" .. c end
  table.sort(t)
  print(table.concat(t, " "))
else
  print(waste .. " " .. obl)
end
LUA
}
check "setup: greenleaf has decisions in March 2026" [ "$(expect totals | cut -d' ' -f1)" -gt 3 ]

run "$EDICT" report monthly --tenant greenleaf --period 2026-03 --format json --as-of 2026-04-01
is "json: exit 0" "$RC" 0
is "json: the totals, as eval decided them" \
    "$(jv "$OUT" 'D[1].totals.decisions .. " " .. D[1].totals.green .. " " .. D[1].totals.yellow .. " " .. D[1].totals.red')" \
    "$(expect totals)"
got_rules=$(lua5.4 -e '
local cjson = require "cjson"
local r = cjson.decode(io.read("a"))
local c = {}
for _, j in ipairs(r.jurisdictions) do for _, x in ipairs(j.rules) do c[x.rule] = (c[x.rule] or 0) + x.count end end
local t = {}
for k, v in pairs(c) do t[#t + 1] = ("%s=%d"):format(k, v) end
table.sort(t)
print(table.concat(t, " "))' <"$OUT")
is "json: findings by rule, as eval decided them" "$got_rules" "$(expect rules)"
is "json: waste decisions and obligations" \
    "$(jv "$OUT" '#D[1].waste .. " " .. #D[1].obligations')" "$(expect other)"
is "json: jurisdictions in order" "$(jv "$OUT" 'join(pluck(D[1].jurisdictions, "jurisdiction"), ",")')" "US-CA,US-OR"
is "json: obligations by due date, the monthly report among them" \
    "$(jv "$OUT" 'D[1].obligations[#D[1].obligations].action .. " " .. D[1].obligations[#D[1].obligations].due .. " " .. tostring(D[1].obligations[#D[1].obligations].overdue)')" \
    "submit_monthly_report 2026-03-15 true"
run "$EDICT" report monthly --tenant greenleaf --period 2026-03 --format json --as-of 2026-03-01
is "json: as of 1 March nothing is overdue yet" "$(jv "$OUT" 'count(L[1], "\"overdue\":true")')" 0
check "json: a waste decision without a witness is there, red" \
    grep -q '"findings":\[[^]]*no witness recorded[^]]*\],"flag":"red"' "$OUT"
run "$EDICT" report monthly --tenant greenleaf --period 2026-03 --format json --as-of 2026-04-01
cp "$OUT" "$TMP/r1.json"
run "$EDICT" report monthly --tenant greenleaf --period 2026-03 --format json --as-of 2026-04-01
is "json: the same bytes twice (but the generated_at time)" \
    "$(sed 's/"generated_at":"[^"]*"//' "$OUT" | sha256sum)" "$(sed 's/"generated_at":"[^"]*"//' "$TMP/r1.json" | sha256sum)"

run "$EDICT" report monthly --tenant greenleaf --period 2026-03 --as-of 2026-04-01 --out "$TMP/r.html"
is "html: exit 0, written to --out" "$RC:$(wc -c <"$OUT" | tr -d ' ')" "0:0"
has "html: one page with its title" "$TMP/r.html" "<title>Compliance report: greenleaf, 2026-03</title>"
is "html: tables open and close" "$(grep -o '<table' "$TMP/r.html" | wc -l)" "$(grep -o '</table>' "$TMP/r.html" | wc -l)"
is "html: rows open and close" "$(grep -o '<tr>' "$TMP/r.html" | wc -l)" "$(grep -o '</tr>' "$TMP/r.html" | wc -l)"
has "html: flags per day as bars" "$TMP/r.html" '<span class="bar red"'
has "html: overdue obligations marked" "$TMP/r.html" "<td class=overdue>2026-03-15 (overdue)</td>"
has "html: text escaped" "$TMP/r.html" "4 CCR §15049(b)"
lacks "html: nothing fetched from elsewhere" "$TMP/r.html" "http"
run "$EDICT" report monthly --tenant greenleaf --period 2026-03 --format md
has "md: the jurisdiction table" "$OUT" "| US-OR | $(jv "$TMP/r1.json" 'D[1].jurisdictions[2].decisions') |"
run "$EDICT" report monthly --tenant greenleaf --period 2026-03 --format csv
sed '/^$/q' "$OUT" | sed '/^$/d' >"$TMP/rules.csv"
is "csv: a header and a row per jurisdiction and rule" "$(($(wc -l <"$TMP/rules.csv") - 1))" \
    "$(jv "$TMP/r1.json" '#D[1].jurisdictions[1].rules + #D[1].jurisdictions[2].rules')"

# evidence uploaded this month
export EDICT_EVIDENCE_KEY
EDICT_EVIDENCE_KEY=$(openssl rand -hex 32)
printf 'waste photo\n' >"$TMP/p.jpg"
"$EDICT" evidence put "$TMP/p.jpg" --tenant greenleaf --type photo --entity waste:W-26-0313 >/dev/null 2>&1
run "$EDICT" report monthly --tenant greenleaf --period "$(date -u +%Y-%m)" --format json
is "json: the month's evidence upload" "$(jv "$OUT" 'D[1].evidence[1].type .. " " .. D[1].evidence[1].entity')" "photo waste:W-26-0313"

# ---- reconciled with Metrc ---------------------------------------------
# tenant acme: OR-LIC-1 synced from the emulator, its waste writes pushed
# (one sent, one still pending), one waste record reported by hand (no
# write asked), packages named by events, one in the mirror and one not;
# OR-LIC-3's write refused by Metrc (the key does not reach it: a dead
# letter), its one sync failed; OR-LIC-9 only named by an event
VK=emu-vendor-key-$$
UK=emu-user-key-$$
printf '{"vendor_key":"%s","users":{"%s":["OR-LIC-1"]},"seed":{"packages":5,"plants":1,"plantbatches":1,"harvests":1,"transfers":1}}\n' \
    "$VK" "$UK" >"$TMP/emu.json"
emu_start "$TMP/emu.json" || { fail "emulator" "did not start"; summary; exit 1; }
printf 'vendor_key=%s\nuser_key=%s\n' "$VK" "$UK" >"$TMP/keys"
chmod 600 "$TMP/keys"
MJ=$TMP/mj
waste() { # ID LICENCE [EXTRA]: a destroyed, documented Oregon plant waste record
    printf '{"id":"%s","type":"waste.recorded","tenant":"acme","jurisdiction":"US-OR","occurred_at":"2026-03-%s","data":{"waste_id":"W-%s","weight_g":1200,"waste_type":"plant","whole_plant_height_in":30,"reason":"male plant culled","method":"compost","held_since":"2026-03-02T09:00:00-08:00","camera_covered":true,"destroyed_at":"2026-03-06T10:00:00-08:00","witness":{"name":"J. Doe","employee_id":"E-7"},"photos":[{"sha256":"%s","uri":"s3://x/1.jpg"}],"license":"%s"%s}}\n' \
        "$1" "$4" "$1" "$(printf 'a1%.0s' $(seq 32))" "$2" "${3:-}"
}
moved() { # ID LICENCE PACKAGE
    printf '{"id":"%s","type":"inventory.moved","tenant":"acme","jurisdiction":"US-OR","occurred_at":"2026-03-20T10:00:00-07:00","data":{"package_id":"%s","quantity":100,"from":"vault","to":"room 2","license":"%s"}}\n' \
        "$1" "$3" "$2"
}
{
    waste w-sent OR-LIC-1 "" "06T10:15:00-08:00"
    waste w-refused OR-LIC-3 "" "07T10:15:00-08:00"
    waste w-hand OR-LIC-1 ',"metrc_reported_at":"2026-03-06T11:00:00-08:00"' "08T10:15:00-08:00"
    moved m-known OR-LIC-1 1A4LIC1PA0000000
    moved m-unknown OR-LIC-1 1A4LIC1PA0009999
    moved m-nine OR-LIC-9 1A4LIC9PA0000001
} >"$TMP/acme1.ndjson"
waste w-later OR-LIC-1 "" "09T10:15:00-08:00" >"$TMP/acme2.ndjson"
"$EDICT" eval --packs "$ROOT/jurisdictions" --store "$MJ" "$TMP/acme1.ndjson" >/dev/null 2>&1
M="--tenant acme --base-url $EMU_URL --keys $TMP/keys --store $MJ"
run "$EDICT" metrc sync $M --license OR-LIC-1 --since 72h
is "metrc: OR-LIC-1 synced" "$RC" 0
run "$EDICT" metrc sync $M --license OR-LIC-3 --since 72h --attempts 1
is "metrc: OR-LIC-3's sync fails (the key does not reach it), logged" "$RC" 1
run "$EDICT" metrc outbox push $M --attempts 1
has "metrc: one write sent, one dead" "$OUT" "pushed: 1 sent, 1 dead"
"$EDICT" eval --packs "$ROOT/jurisdictions" --store "$MJ" "$TMP/acme2.ndjson" >/dev/null 2>&1
R="$EDICT report monthly --tenant acme --period 2026-03 --store $MJ"
run $R --format json
is "metrc json: exit 0" "$RC" 0
cp "$OUT" "$TMP/m.json"
is "metrc json: the licences, sorted" "$(jv "$TMP/m.json" 'join(pluck(D[1].metrc.licenses, "license"), ",")')" \
    "OR-LIC-1,OR-LIC-3,OR-LIC-9"
L1='D[1].metrc.licenses[1]'
is "metrc json: OR-LIC-1's waste against the outbox, by occurred time" \
    "$(jv "$TMP/m.json" "(function() local t = {} for _, x in ipairs($L1.waste) do t[#t + 1] = x.event_id .. ':' .. x.state .. ':' .. tostring(x.difference) end return table.concat(t, ' ') end)()")" \
    "w-sent:sent:false w-hand:none:true w-later:pending:true"
is "metrc json: the write's key is the decision's" \
    "$(jv "$TMP/m.json" "$L1.waste[1].key == $L1.waste[1].decision_id .. '/metrc/1'")" true
has "metrc json: the hand-reported record says why no write was asked" "$TMP/m.json" \
    "reported to Metrc by hand (metrc_reported_at)"
is "metrc json: the package not in the mirror, and only it" \
    "$(jv "$TMP/m.json" "#$L1.packages .. ' ' .. $L1.packages[1].label .. ' ' .. $L1.packages[1].event_id .. ' ' .. $L1.packages_checked")" \
    "1 1A4LIC1PA0009999 m-unknown 2"
is "metrc json: OR-LIC-1's differences" "$(jv "$TMP/m.json" "$L1.differences")" 3
L3='D[1].metrc.licenses[2]'
is "metrc json: OR-LIC-3's refused write, dead with Metrc's message" \
    "$(jv "$TMP/m.json" "$L3.waste[1].state .. ' ' .. tostring($L3.waste[1].message:find('401') ~= nil)")" "dead true"
is "metrc json: OR-LIC-3's only sync failed: packages not reconciled, said" \
    "$(jv "$TMP/m.json" "$L3.packages_note .. '|' .. tostring($L3.synced)")" \
    "not reconciled: no sync for OR-LIC-3 without errors (1 run failed)|false"
is "metrc json: OR-LIC-9, no Metrc data at all: neither part reconciled, said" \
    "$(jv "$TMP/m.json" "D[1].metrc.licenses[3].waste_note .. '|' .. D[1].metrc.licenses[3].packages_note")" \
    "not reconciled: no sync for OR-LIC-9 and no writes for Metrc|not reconciled: no sync for OR-LIC-9"
run $R --format csv
has "metrc csv: the reconciliation's header after the rules" "$OUT" "license,check,subject,event_id,decision_id,state,difference,note"
has "metrc csv: the pending write" "$OUT" "OR-LIC-1,waste,W-w-later,w-later,"
has "metrc csv: the dead letter with Metrc's message" "$OUT" ",dead,yes,dead letter: Metrc refused it: POST /plants/v2/waste?licenseNumber=OR-LIC-3: HTTP 401"
has "metrc csv: the package not in the mirror" "$OUT" "OR-LIC-1,package,1A4LIC1PA0009999,m-unknown,"
has "metrc csv: the licence never synced" "$OUT" "OR-LIC-9,note,,,,,,not reconciled: no sync for OR-LIC-9"
is "metrc csv: a row per waste row, package and note" "$(sed '1,/^$/d' "$OUT" | sed 1d | wc -l | tr -d ' ')" \
    "$(jv "$TMP/m.json" '(function() local n = 0 for _, l in ipairs(D[1].metrc.licenses) do n = n + #l.waste + #l.packages + 2 end return n end)()')"
run $R --format html --out "$TMP/m.html"
has "metrc html: the section" "$TMP/m.html" "<h2>Metrc reconciliation</h2>"
has "metrc html: a licence's summary" "$TMP/m.html" "packages: 2 named in the month's events checked"
has "metrc html: a licence not reconciled, marked" "$TMP/m.html" "<p class=overdue>not reconciled: no sync for OR-LIC-9</p>"
is "metrc html: tables open and close" "$(grep -o '<table' "$TMP/m.html" | wc -l)" "$(grep -o '</table>' "$TMP/m.html" | wc -l)"
run $R --format md
has "metrc md: the pending write" "$OUT" "| W-w-later | w-later |"
run "$EDICT" report monthly --tenant greenleaf --period 2026-03 --format json
is "greenleaf: its events name no licence, every decision counted as not reconciled" \
    "$(jv "$OUT" 'D[1].metrc.unlicensed .. " " .. #D[1].metrc.licenses')" "$(expect totals | cut -d' ' -f1) 0"
run "$EDICT" report monthly --tenant greenleaf --period 2026-03 --format html
has "greenleaf html: said, never an empty section" "$OUT" \
    "<p>not reconciled: $(expect totals | cut -d' ' -f1) decisions of the month name no licence (data.license)</p>"
has "... and that no licence has Metrc data" "$OUT" "<p>no licence of this tenant has Metrc data in the store</p>"

# the same from a PostgreSQL store: its mirror, sync log and outbox
pg_up=1
if [ -z "${EDICT_PG_ADMIN:-}" ]; then
    OWN_PG=1
    pg_start && pg_migrate || pg_up=
fi
if [ -n "$pg_up" ]; then
    PT=rp$$
    for f in acme1 acme2; do
        sed "s/\"tenant\":\"acme\"/\"tenant\":\"$PT\"/" "$TMP/$f.ndjson" >"$TMP/p$f.ndjson"
    done
    PM="--tenant $PT --base-url $EMU_URL --keys $TMP/keys --store $EDICT_PG_URL"
    "$EDICT" eval --packs "$ROOT/jurisdictions" --store "$EDICT_PG_URL" "$TMP/pacme1.ndjson" >/dev/null 2>&1
    "$EDICT" metrc sync $PM --license OR-LIC-1 --since 72h >/dev/null 2>&1
    "$EDICT" metrc sync $PM --license OR-LIC-3 --since 72h --attempts 1 >/dev/null 2>&1
    "$EDICT" metrc outbox push $PM --attempts 1 >/dev/null 2>&1
    "$EDICT" eval --packs "$ROOT/jurisdictions" --store "$EDICT_PG_URL" "$TMP/pacme2.ndjson" >/dev/null 2>&1
    run "$EDICT" report monthly --tenant "$PT" --period 2026-03 --store "$EDICT_PG_URL" --format json
    is "PostgreSQL: exit 0" "$RC" 0
    strip() { lua5.4 -e 'local c = require "cjson"; local r = c.decode(io.read("a")).metrc
      for _, l in ipairs(r.licenses) do l.last_sync = nil
        for _, x in ipairs(l.waste) do x.decision_id, x.key, x.message = nil, nil, x.message ~= "" end
        for _, x in ipairs(l.packages) do x.decision_id, x.note = nil, nil end
        l.packages_note = l.packages_note and l.packages_note:gsub("last sync [^)]*", "") end
      print(c.encode(r))' <"$1" | sed 's/"tenant":"[^"]*"//g' | lua5.4 -e '
      -- key order: decode, then print keys sorted
      local c = require "cjson"
      local function out(v) if type(v) ~= "table" then return c.encode(v) end
        if #v > 0 or next(v) == nil then local t = {} for i, x in ipairs(v) do t[i] = out(x) end return "[" .. table.concat(t, ",") .. "]" end
        local k = {} for x in pairs(v) do k[#k + 1] = x end table.sort(k)
        local t = {} for i, x in ipairs(k) do t[i] = c.encode(x) .. ":" .. out(v[x]) end return "{" .. table.concat(t, ",") .. "}" end
      print(out(c.decode(io.read("a"))))'; }
    check "PostgreSQL: a reconciliation to compare" [ "$(strip "$OUT" | wc -c)" -gt 500 ]
    is "PostgreSQL: the same reconciliation as the file store (but ids and times)" \
        "$(strip "$OUT")" "$(strip "$TMP/m.json")"
    has "PostgreSQL: the package not in the mirror" "$OUT" '"label":"1A4LIC1PA0009999"'
else
    fail "postgresql" "the private server did not start"
fi
emu_stop

# what is refused
run "$EDICT" report monthly --tenant greenleaf --period 2026-13
is "a month that is not one: usage" "$RC" 64
has "... naming it" "$ERR" "--period takes a month YYYY-MM, not '2026-13'"
run "$EDICT" report monthly --tenant greenleaf --period 2026-03 --format pdf
is "an unknown format: usage" "$RC" 64
seg=$(ls "$J"/segment-*.log | head -1)
sed -i 's/"flag":"red"/"flag":"grn"/' "$seg"
run "$EDICT" report monthly --tenant greenleaf --period 2026-03
is "a chain that does not verify: exit 1" "$RC" 1
has "... saying so" "$ERR" "does not verify"

summary
