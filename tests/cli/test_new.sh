# test_new.sh — `edict new pack`: a pack to start from that passes check and
# test as written, whose rule fires and holds, and that never overwrites.
. tests/cli/lib.sh

D=$TMP/packs/us-co
run "$EDICT" new pack "$D" --jurisdiction US-CO --zone America/Denver
is "new pack: exit 0" "$RC" 0
has "new pack: says what it wrote and what next" "$OUT" "next: edict check $D && edict test $D"
for f in pack.lua rules.lua tests/example.lua README.md .luacheckrc; do
    check "new pack: wrote $f" [ -s "$D/$f" ]
done
run "$EDICT" check "$D"
is "the new pack passes check" "$RC:$(tail -1 "$OUT")" "0:1 pack, 0 tenants, 0 problems"
has "check: its name, this year's version, one rule" "$OUT" "(us-co $(date -u +%Y).1, 1 rule)"
run "$EDICT" test "$D"
is "the new pack passes its two fixtures" "$RC:$(tail -1 "$OUT")" "0:2 passed, 0 failed"
has "manifest: the jurisdiction asked for" "$D/pack.lua" 'jurisdiction = "US-CO"'
has "manifest: the zone asked for" "$D/pack.lua" 'zone = "America/Denver"'

# the example rule decides: over the limit is a major finding, else green
printf '{"id":"c1","type":"waste.recorded","tenant":"t","jurisdiction":"US-CO","occurred_at":"2026-03-01T00:00:00Z","data":{"weight_g":10001}}\n{"id":"c2","type":"waste.recorded","tenant":"t","jurisdiction":"US-CO","occurred_at":"2026-03-01T00:00:00Z","data":{"weight_g":"10000"}}\n' >"$TMP/ev"
run "$EDICT" eval --no-journal --packs "$D" "$TMP/ev"
is "its rule fires over the limit and holds at it" "$(jv "$OUT" 'D[1].flag .. " " .. D[1].findings[1].rule .. " " .. D[2].flag')" "yellow us-co/over-limit green"

# never over an existing pack
echo "-- mine" >>"$D/rules.lua"
run "$EDICT" new pack "$D" --jurisdiction US-CO
is "into an existing pack: exit 1" "$RC" 1
has "... saying which file exists" "$ERR" "cannot write $D/pack.lua: File exists"
has "... and the pack is left as it was" "$D/rules.lua" "-- mine"

run "$EDICT" new pack "$TMP/packs/Bad_Name" --jurisdiction X
is "a bad pack name: usage error" "$RC" 64
has "... naming the rule" "$ERR" "'Bad_Name' is not a pack name: lower-case letters, digits and '-'"
run "$EDICT" new pack "$TMP/packs/x"
is "without --jurisdiction: usage error" "$RC" 64
run "$EDICT" new pack "$TMP/packs/Odd" --name odd --jurisdiction US-XX
is "--name gives the name whatever the folder" "$RC:$(grep -c 'name = "odd"' "$TMP/packs/Odd/pack.lua")" "0:1"
run "$EDICT" new pack "$TMP/packs/tz" --jurisdiction US-XX --zone Mars/Olympus
run "$EDICT" check "$TMP/packs/tz"
is "an unknown zone: check says so, at the manifest's line" "$RC:$(grep -c 'tz/pack.lua:[0-9]*:.*Mars/Olympus' "$OUT" "$ERR" | awk -F: '{ s += $2 } END { print s }')" "1:1"

if command -v luacheck >/dev/null 2>&1; then
    (cd "$D" && luacheck --no-color rules.lua tests/example.lua pack.lua) >"$TMP/lc" 2>&1
    is "luacheck with the pack's .luacheckrc: clean" "$?" 0
fi
summary
