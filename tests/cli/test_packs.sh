# test_packs.sh — `edict packs`: the listing, and the digest that changes
# when any file of the pack changes and not otherwise.
. tests/cli/lib.sh

P=$TMP/lib
mkpack "$P/alpha-v1" alpha 2023.1 US-XX 2020-01-01 2023-12-31
mkpack "$P/alpha-v2" alpha 2024.1 US-XX 2024-01-01
write "$P/multi/pack.lua" <<'EOF'
return {
  name = "multi", version = "7", jurisdiction = { "US-XX", "US-YY" },
  rules = { "rules.lua" },
}
EOF
for d in alpha-v1 alpha-v2; do
    write "$P/$d/rules.lua" <<'EOF'
rule { id = "alpha/one", on = "t.a", severity = "info", cite = "A-1", check = function() end }
rule { id = "alpha/two", on = "t.a", severity = "info", cite = "A-2", check = function() end }
EOF
done
echo 'rule { id = "multi/one", on = "t.a", severity = "info", cite = "M-1", check = function() end }' | write "$P/multi/rules.lua"
write "$TMP/ten/acme/policy.lua" <<'EOF'
return { jurisdictions = { "US-YY" } }
EOF
write "$TMP/ten/open/policy.lua" <<'EOF'
return {}
EOF

run "$EDICT" packs --packs "$P" --tenants "$TMP/ten"
is "packs: exit 0" "$RC" 0
is "packs: header" "$(head -1 "$OUT" | tr -s ' ')" "NAME VERSION JURISDICTION EFFECTIVE RULES DIGEST FOLDER"
row() { grep "^$1 " "$OUT" | grep -F " $2 " | tr -s ' '; }
check "packs: alpha 2023.1 row" sh -c "printf '%s\n' '$(row alpha 2023.1)' | grep -Eq '^alpha 2023\.1 US-XX 2020-01-01\.\.2023-12-31 2 sha256:[0-9a-f]{12} lib/alpha-v1$'"
check "packs: alpha 2024.1 row (open-ended window)" sh -c "printf '%s\n' '$(row alpha 2024.1)' | grep -Eq '^alpha 2024\.1 US-XX 2024-01-01\.\. 2 sha256:[0-9a-f]{12} lib/alpha-v2$'"
check "packs: multi row (no dates, two jurisdictions, one rule)" sh -c "printf '%s\n' '$(row multi 7)' | grep -Eq '^multi 7 US-XX,US-YY \.\. 1 sha256:[0-9a-f]{12} lib/multi$'"
is "packs: versions of one pack listed by effective date" "$(awk 'NR > 1 && $1 == "alpha" { printf "%s ", $2 }' "$OUT")" "2023.1 2024.1 "
check "packs: tenant with jurisdictions" grep -Eq '^tenant acme +1 +US-YY +0 +sha256:[0-9a-f]{12} ten/acme$' "$OUT"
check "packs: tenant without jurisdictions is (all)" grep -Eq '^tenant open +1 +\(all\) +0 +sha256:[0-9a-f]{12} ten/open$' "$OUT"

# --packs is repeatable; each folder may be a pack or a folder of packs
run "$EDICT" packs --packs "$P/multi" --packs "$P/alpha-v2"
is "packs: --packs twice, both listed" "$RC:$(awk 'NR > 1 { printf "%s/%s ", $1, $2 }' "$OUT")" "0:alpha/2024.1 multi/7 "

# the digest prefix is the one decisions carry
event d1 >"$TMP/ev"
run "$EDICT" eval --packs "$P/multi" "$TMP/ev"
full=$(jv "$OUT" 'D[1].packs[1].digest')
run "$EDICT" packs --packs "$P/multi"
short=$(awk '$1 == "multi" { print $6 }' "$OUT")
is "digest: the listing shows the decision's digest, cut to 19 characters" "$short" "$(printf '%s' "$full" | cut -c1-19)"

# --- the digest: every file counts, nothing else does -----------------------------
digest() { # DIR -> full digest, from a decision
    "$EDICT" eval --packs "$1" "$TMP/ev" 2>/dev/null | lua5.4 -e 'print(require("cjson").decode(io.read("l")).packs[1].digest)'
}
Q=$TMP/dig/multi
mkdir -p "$TMP/dig"
cp -r "$P/multi" "$Q"
d0=$(digest "$Q")
check "digest: sha256 of 64 hex" sh -c "printf '%s' '$d0' | grep -Eq '^sha256:[0-9a-f]{64}$'"
is "digest: same files elsewhere, same digest" "$d0" "$full"
is "digest: stable from run to run" "$(digest "$Q")" "$d0"
touch -d '2001-01-01 00:00' "$Q/rules.lua" "$Q/pack.lua"
is "digest: file times do not count" "$(digest "$Q")" "$d0"
printf '\n' >>"$Q/rules.lua"
d1=$(digest "$Q")
check "digest: a byte more in a rule file changes it" [ "$d1" != "$d0" ]
cp "$P/multi/rules.lua" "$Q/rules.lua"
is "digest: back to the same bytes, back to the same digest" "$(digest "$Q")" "$d0"
sed -i 's/version = "7"/version = "7" /' "$Q/pack.lua"
check "digest: the manifest counts" [ "$(digest "$Q")" != "$d0" ]
cp "$P/multi/pack.lua" "$Q/pack.lua"
write "$Q/tests/fixtures.lua" <<'EOF'
return {}
EOF
d2=$(digest "$Q")
check "digest: a new file (a fixture) counts" [ "$d2" != "$d0" ]
echo '-- edited' >>"$Q/tests/fixtures.lua"
check "digest: an edited fixture counts" [ "$(digest "$Q")" != "$d2" ]
rm -r "$Q/tests"
write "$Q/lib/util.lua" <<'EOF'
return {}
EOF
d3=$(digest "$Q")
check "digest: a file in a subfolder counts" [ "$d3" != "$d0" ]
mv "$Q/lib/util.lua" "$Q/lib/util2.lua"
check "digest: a renamed file counts" [ "$(digest "$Q")" != "$d3" ]
rm -r "${Q:?}/lib"
is "digest: removing the extra files restores it" "$(digest "$Q")" "$d0"
# the same bytes moved from one file to another are another pack
write "$TMP/dig2/m/pack.lua" <<'EOF'
return {
  name = "multi", version = "7", jurisdiction = { "US-XX", "US-YY" },
  rules = { "rules.lua" },
}
EOF
cp "$P/multi/rules.lua" "$TMP/dig2/m/rules.lua"
printf 'ab' >"$TMP/dig2/m/x"
printf 'c' >"$TMP/dig2/m/y"
da=$(digest "$TMP/dig2/m")
printf 'a' >"$TMP/dig2/m/x"
printf 'bc' >"$TMP/dig2/m/y"
check "digest: file boundaries count (ab|c is not a|bc)" [ "$(digest "$TMP/dig2/m")" != "$da" ]

# packs with problems: listed to stderr, exit 1
echo 'rule { id = "multi/two", on = "t.a", severity = "grave", cite = "M-2", check = function() end }' >>"$Q/rules.lua"
run "$EDICT" packs --packs "$TMP/dig"
is "packs with problems: exit 1" "$RC" 1
has "packs with problems: the problem on stderr" "$ERR" "dig/multi/rules.lua:2: rule 'multi/two': severity 'grave'"

summary
