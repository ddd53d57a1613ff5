# test_exit_codes.sh — exit status of `edict eval` (and usage errors of the
# other commands): 0 decided, 2 bad events, 3 --fail-on reached, 1 edict
# could not run, 64 bad usage.
. tests/cli/lib.sh

P=$TMP/packs
mkpack "$P/demo" demo 1 US-XX
write "$P/demo/rules.lua" <<'EOF'
-- data.sev picks the severity of the one finding (none when absent)
rule { id = "demo/sev", on = "t.a", severity = "info", cite = "DEMO-1",
  check = function(e, ctx)
    if e.data.sev then return { message = "sev " .. e.data.sev, severity = e.data.sev } end
  end }
-- data.fail makes a rule error
rule { id = "demo/fails", on = "t.a", severity = "minor", cite = "DEMO-2",
  check = function(e, ctx)
    if e.data.fail then error("failing on purpose") end
  end }
EOF
E="$EDICT eval --packs $P"
event g >"$TMP/green"
event i '{"sev":"info"}' >"$TMP/info"
event y '{"sev":"minor"}' >"$TMP/yellow"
event r '{"sev":"critical"}' >"$TMP/red"
cat "$TMP/green" "$TMP/yellow" >"$TMP/gy"
cat "$TMP/green" "$TMP/yellow" "$TMP/red" >"$TMP/gyr"
{ cat "$TMP/red"; echo '{"id":"broken"'; } >"$TMP/red-bad"

run $E "$TMP/gyr"
is "0: decisions of every flag, no --fail-on" "$RC" 0
run $E "$TMP/red-bad"
is "2: a bad event" "$RC" 2
is "2: the good event still decided" "$(jv "$OUT" 'D[1].flag')" red

run $E --fail-on red "$TMP/gyr"
is "--fail-on red: 3 when a red decision exists" "$RC" 3
is "--fail-on red: every decision still written" "$(jv "$OUT" 'N')" 3
run $E --fail-on red "$TMP/gy"
is "--fail-on red: 0 with yellow at worst" "$RC" 0
run $E --fail-on yellow "$TMP/gy"
is "--fail-on yellow: 3 on a yellow decision" "$RC" 3
run $E --fail-on yellow "$TMP/red"
is "--fail-on yellow: 3 on a red decision" "$RC" 3
run $E --fail-on yellow "$TMP/info"
is "--fail-on yellow: 0 when info findings alone (green)" "$RC" 0
run $E --fail-on yellow "$TMP/green"
is "--fail-on yellow: 0 when green" "$RC" 0
run $E --fail-on red "$TMP/red-bad"
is "bad events (2) win over --fail-on (3)" "$RC" 2
event f '{"fail":true}' >"$TMP/fails"
run $E "$TMP/fails"
is "a rule error alone: exit 0 without --fail-on error" "$RC:$(jv "$OUT" '#D[1].errors')" "0:1"
run $E --fail-on error "$TMP/fails"
is "--fail-on error: 3 when a decision carries a rule error" "$RC" 3
run $E --fail-on error "$TMP/gyr"
is "--fail-on error: 0 when findings but no rule error" "$RC" 0
run $E --fail-on red --fail-on error "$TMP/fails"
is "--fail-on red --fail-on error: the error reaches it" "$RC" 3
run $E --fail-on error --fail-on red "$TMP/gyr"
is "--fail-on error --fail-on red: the red reaches it" "$RC" 3
run $E --fail-on yellow --fail-on red "$TMP/gy"
is "--fail-on yellow --fail-on red: the lower flag holds" "$RC" 3
run $E --fail-on purple "$TMP/gy"
is "--fail-on purple: usage error" "$RC:$(cat "$ERR")" "64:edict: --fail-on takes red, yellow or error"

# 1: edict could not run
run $E "$TMP/no-such-file"
is "1: input file missing" "$RC" 1
has "1: says why" "$ERR" "edict: cannot open $TMP/no-such-file: No such file or directory"
is "1: nothing on stdout" "$(wc -c <"$OUT")" 0
mkdir "$TMP/a-folder"
run $E "$TMP/a-folder"
is "1: input is a folder (unreadable as a file)" "$RC" 1
check "1: input is a folder: says so on stderr" grep -q . "$ERR"

cp -r "$P" "$TMP/broken"
echo 'rule { id = "demo/x", on = "t.a", severity = "huge", cite = "X", check = function() end }' >>"$TMP/broken/demo/rules.lua"
run "$EDICT" eval --packs "$TMP/broken" "$TMP/gyr"
is "1: packs with problems" "$RC" 1
is "1: packs with problems: nothing decided" "$(wc -c <"$OUT")" 0
has "1: packs with problems: names the problem" "$ERR" "broken/demo/rules.lua:11: rule 'demo/x': severity 'huge' is not one of critical, major, minor, info"
has "1: packs with problems: says nothing was decided" "$ERR" "edict: 1 problem in the packs; nothing was decided (see \`edict check\`)"
run "$EDICT" eval --packs "$TMP/nowhere" "$TMP/gyr"
is "1: --packs folder missing" "$RC" 1
run $E --tenants "$TMP/no-tenants" "$TMP/gyr"
is "1: --tenants folder missing" "$RC" 1

# 64: bad usage
run $E --frobnicate "$TMP/green"
is "64: unknown option" "$RC" 64
has "64: unknown option prints usage on stderr" "$ERR" "usage: edict eval"
run $E --fail-on orange "$TMP/green"
is "64: bad --fail-on value" "$RC" 64
has "64: bad --fail-on says what it takes" "$ERR" "edict: --fail-on takes red, yellow or error"
run $E --fail-on green "$TMP/green"
is "64: --fail-on green is not a value" "$RC" 64
run $E --as-of 2024-06-01 "$TMP/green"
is "64: --as-of without a time" "$RC" 64
has "64: --as-of says why" "$ERR" "edict: --as-of: "
run $E --as-of 2024-02-30T00:00:00Z "$TMP/green"
is "64: --as-of an impossible day" "$RC" 64
run $E --as-of "$TMP/green"
is "64: --as-of missing its value" "$RC" 64
run $E "$TMP/green" "$TMP/yellow"
is "64: two input files" "$RC" 64
run $E --limit-instructions -5 "$TMP/green"
is "64: --limit-instructions not positive" "$RC" 64
run $E --limit-memory lots "$TMP/green"
is "64: --limit-memory not a number" "$RC" 64
is "64: nothing decided on bad usage" "$(wc -c <"$OUT")" 0
run "$EDICT"
is "64: no command" "$RC" 64
run "$EDICT" frobnicate
is "64: unknown command" "$RC" 64
has "64: unknown command named" "$ERR" "edict: unknown command 'frobnicate'"
run "$EDICT" check --frobnicate
is "64: check, unknown option" "$RC" 64
run "$EDICT" test --frobnicate
is "64: test, unknown option" "$RC" 64
run "$EDICT" packs --frobnicate
is "64: packs, unknown option" "$RC" 64
run "$EDICT" packs stray-argument
is "64: packs takes no positional argument" "$RC" 64

summary
