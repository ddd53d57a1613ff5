# test_versions.sh — effective-dated versions of one pack: the version in
# force on occurred_at's date decides (on the pack's clock when its manifest
# names a zone, else as written); before any version
# the decision carries an error; overlapping windows are a check problem.
. tests/cli/lib.sh

P=$TMP/packs
for v in 1 2; do
    if [ $v = 1 ]; then
        mkpack "$P/vp-v1" vp 2023.1 US-XX 2020-01-01 2023-12-31
    else
        mkpack "$P/vp-v2" vp 2024.1 US-XX 2024-01-01
    fi
    write "$P/vp-v$v/rules.lua" <<EOF
rule { id = "vp/which", on = "t.a", severity = "minor", cite = "VP-$v",
  check = function(e, ctx) return "decided by " .. ctx.pack .. " " .. ctx.version end }
EOF
done
E="$EDICT eval --packs $P"

# occurred_at -> expected version
: >"$TMP/in"
: >"$TMP/want"
at() {
    event "$1" '{}' "$1" >>"$TMP/in"
    echo "$1 $2" >>"$TMP/want"
}
at 2020-01-01T00:00:00Z 2023.1
at 2023-12-31T00:00:00Z 2023.1
at 2023-12-31T23:59:59Z 2023.1
at 2023-12-31T23:30:00-05:00 2023.1   # already 2024-01-01 in UTC
at 2023-12-31T14:00:00-10:00 2023.1
at 2024-01-01T00:00:00Z 2024.1
at 2024-01-01T00:30:00+02:00 2024.1   # still 2023-12-31 in UTC
at 2024-01-01T01:00:00+14:00 2024.1
at 2020-01-01T00:30:00+01:00 2023.1   # 2019-12-31 in UTC, but written 2020-01-01
at 2031-07-04T12:00:00Z 2024.1
run $E "$TMP/in"
is "versions: exit 0" "$RC" 0
i=1
while read -r t want; do
    is "versions: $t decided by $want" \
        "$(jv "$OUT" "#D[$i].packs .. ' ' .. D[$i].packs[1].name .. ' ' .. D[$i].packs[1].version .. ' | ' .. D[$i].findings[1].message .. ' ' .. D[$i].findings[1].cite")" \
        "1 vp $want | decided by vp $want VP-$( [ "$want" = 2023.1 ] && echo 1 || echo 2)"
    i=$((i + 1))
done <"$TMP/want"
check "versions: the two versions have different digests" \
    [ "$(jv "$OUT" 'D[1].packs[1].digest')" != "$(jv "$OUT" 'D[6].packs[1].digest')" ]

# as_of does not pick the version; occurred_at does
printf '{"id":"a","type":"t.a","tenant":"acme","jurisdiction":"US-XX","occurred_at":"2023-12-31T12:00:00Z","as_of":"2024-06-01T00:00:00Z"}\n' >"$TMP/asof"
run $E "$TMP/asof"
is "versions: the event's as_of does not choose the version" "$(jv "$OUT" 'D[1].packs[1].version')" 2023.1
run $E --as-of 2024-06-01T00:00:00Z "$TMP/asof"
is "versions: --as-of does not choose the version" "$(jv "$OUT" 'D[1].packs[1].version')" 2023.1

# before any version: decided, with an error entry naming the versions
{
    event early '{}' 2019-12-31T23:59:59Z
    event early2 '{}' 2019-12-31T23:30:00-08:00
} >"$TMP/early"
run $E "$TMP/early"
is "before any version: still decided (exit 0)" "$RC" 0
has "before any version: error entry" "$OUT" \
    '"packs":[],"waivers":[],"errors":[{"pack":"vp","message":"no version of pack vp is in force on 2019-12-31 (versions: 2023.1 2020-01-01..2023-12-31; 2024.1 2024-01-01..)"}]}'
is "before any version: no findings, flag yellow" "$(jv "$OUT" '#D[1].findings .. " " .. D[1].flag .. " " .. D[1].score')" "0 yellow 100"
is "before any version: the civil date as written (2019-12-31 at -08:00)" "$(jv "$OUT" 'D[2].errors[1].message:match("in force on (%S+)")')" "2019-12-31"

# --- a pack with a zone: its versions go by occurred_at's date on that clock
Z=$TMP/zoned
mkpack "$Z/zp-v1" zp 2023.1 US-XX 2020-01-01 2023-12-31 'zone = "America/Los_Angeles",'
mkpack "$Z/zp-v2" zp 2024.1 US-XX 2024-01-01 "" 'zone = "America/Los_Angeles",'
for v in 1 2; do
    write "$Z/zp-v$v/rules.lua" <<'EOF'
rule { id = "zp/which", on = "t.a", severity = "info", cite = "ZP",
  check = function(e, ctx) return ctx.version .. " " .. ctx.zone .. " " .. ctx.as_of_date end }
EOF
done
: >"$TMP/zin"
: >"$TMP/zwant"
zat() {
    event "$1" '{}' "$1" >>"$TMP/zin"
    echo "$1 $2" >>"$TMP/zwant"
}
zat 2024-01-01T07:30:00Z "2023.1 America/Los_Angeles 2023-12-31"      # 23:30 PST on 12-31
zat 2023-12-31T23:30:00-08:00 "2023.1 America/Los_Angeles 2023-12-31" # the same instant
zat 2024-01-01T05:00:00+09:00 "2023.1 America/Los_Angeles 2023-12-31" # east of UTC: 12:00 PST
zat 2024-01-01T07:59:59Z "2023.1 America/Los_Angeles 2023-12-31"
zat 2024-01-01T08:00:00Z "2024.1 America/Los_Angeles 2024-01-01"      # Oregon's midnight
zat 2024-01-01T00:00:00-08:00 "2024.1 America/Los_Angeles 2024-01-01"
zat 2024-07-01T06:59:59Z "2024.1 America/Los_Angeles 2024-06-30"      # PDT, the other side of DST
zat 2024-07-01T07:00:00Z "2024.1 America/Los_Angeles 2024-07-01"
run "$EDICT" eval --packs "$Z" "$TMP/zin"
is "zoned versions: exit 0" "$RC" 0
i=1
while read -r t want; do
    is "zoned versions: $t decided by $want" "$(jv "$OUT" "D[$i].findings[1].message")" "$want"
    i=$((i + 1))
done <"$TMP/zwant"
event zearly '{}' 2020-01-01T07:00:00Z >"$TMP/zearly"
run "$EDICT" eval --packs "$Z" "$TMP/zearly"
is "zoned versions: before the first, the error names the local date" "$(jv "$OUT" 'D[1].errors[1].message:match("in force on (%S+)")')" "2019-12-31"

# a zone that is not one: a check problem at the manifest's line
mkpack "$TMP/badzone/bz" bz 1 US-XX 2020-01-01 "" 'zone = "America/Springfield",'
echo 'rule { id = "bz/r", on = "t.a", severity = "info", cite = "B", check = function() end }' | write "$TMP/badzone/bz/rules.lua"
run "$EDICT" check "$TMP/badzone/bz"
is "bad zone: check exits 1" "$RC" 1
has "bad zone: file:line: message" "$OUT" "badzone/bz/pack.lua:4: zone: unknown time zone 'America/Springfield'"
mkpack "$TMP/badzone2/bz" bz 1 US-XX 2020-01-01 "" 'zone = 5,'
cp "$TMP/badzone/bz/rules.lua" "$TMP/badzone2/bz/rules.lua"
run "$EDICT" check "$TMP/badzone2/bz"
has "zone not a string: file:line: message" "$OUT" "badzone2/bz/pack.lua:4: zone: expected an IANA time zone name"

# a gap between versions
G=$TMP/gap
mkpack "$G/g1" gp a US-XX 2020-01-01 2020-12-31
mkpack "$G/g2" gp b US-XX 2022-01-01
for d in g1 g2; do
    echo 'rule { id = "gp/r", on = "t.a", severity = "info", cite = "G", check = function() end }' | write "$G/$d/rules.lua"
done
{ event in-gap '{}' 2021-06-01T00:00:00Z; event after-gap '{}' 2022-01-01T00:00:00Z; } >"$TMP/gap.ndjson"
run "$EDICT" eval --packs "$G" "$TMP/gap.ndjson"
is "gap: an event between versions gets the error" "$(jv "$OUT" 'D[1].errors[1].message')" \
    "no version of pack gp is in force on 2021-06-01 (versions: a 2020-01-01..2020-12-31; b 2022-01-01..)"
is "gap: the next version starts on its day" "$(jv "$OUT" 'D[2].packs[1].version .. " " .. #D[2].errors')" "b 0"

# a version deployed before its effective date is listed and waits
run "$EDICT" packs --packs "$P"
is "packs: both versions listed" "$(grep -c '^vp ' "$OUT")" 2

# --- overlapping windows ---------------------------------------------------------
cp -r "$P" "$TMP/over"
mkpack "$TMP/over/vp-v3" vp 2023.9 US-XX 2023-12-31
cp "$P/vp-v2/rules.lua" "$TMP/over/vp-v3/rules.lua"
run "$EDICT" check "$TMP/over"
is "overlap: check exits 1" "$RC" 1
has "overlap: names both versions and windows" "$OUT" \
    "pack vp version 2023.9 (2023-12-31..) overlaps version 2023.1 (2020-01-01..2023-12-31) in over/vp-v1: the windows of two versions must not share a day"
has "overlap: with the later version too" "$OUT" \
    "pack vp version 2024.1 (2024-01-01..) overlaps version 2023.9 (2023-12-31..) in over/vp-v3"
has "overlap: counted" "$OUT" "3 packs, 0 tenants, 2 problems"
check "overlap: reported as file:line: message" grep -Eq '^([^ ]*/)?over/vp-v3/pack\.lua:[0-9]+: pack vp version 2023\.9' "$OUT"
run "$EDICT" eval --packs "$TMP/over" "$TMP/in"
is "overlap: eval refuses to decide (exit 1, no output)" "$RC:$(wc -c <"$OUT")" "1:0"

# the same version loaded twice
cp -r "$P" "$TMP/twice"
cp -r "$P/vp-v1" "$TMP/twice/vp-v1-copy"
run "$EDICT" check "$TMP/twice"
is "same version twice: exit 1" "$RC" 1
has "same version twice: reported" "$OUT" "pack vp version 2023.1 is also loaded from twice/vp-v1"

# effective_until before effective_from
write "$TMP/rev/r/pack.lua" <<'EOF'
return {
  name = "rv", version = "1", jurisdiction = "US-XX",
  effective_from = "2024-01-01",
  effective_until = "2023-01-01",
  rules = { "rules.lua" },
}
EOF
echo 'rule { id = "rv/r", on = "t.a", severity = "info", cite = "R", check = function() end }' | write "$TMP/rev/r/rules.lua"
run "$EDICT" check "$TMP/rev/r"
is "until before from: exit 1" "$RC" 1
has "until before from: file:line: message" "$OUT" "rev/r/pack.lua:4: effective_until 2023-01-01 is before effective_from 2024-01-01"

summary
