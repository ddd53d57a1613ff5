# test_help.sh — --help for edict and every command, --version.
. tests/cli/lib.sh

for form in --help -h help; do
    run "$EDICT" $form
    is "edict $form: exit 0" "$RC" 0
    is "edict $form: usage first" "$(head -1 "$OUT")" "usage: edict <command> [options]"
    is "edict $form: nothing on stderr" "$(wc -c <"$ERR")" 0
done
run "$EDICT" --help
for c in eval check test packs; do
    check "edict --help lists $c" grep -Eq "^  $c( |$)" "$OUT"
done
has "edict --help tells of <command> --help" "$OUT" "edict <command> --help"
has "edict --help tells of --version" "$OUT" "edict --version"

for c in eval check test packs; do
    run "$EDICT" $c --help
    is "$c --help: exit 0" "$RC" 0
    is "$c --help: usage first, on stdout" "$(head -1 "$OUT" | cut -d' ' -f1-3)" "usage: edict $c"
    is "$c --help: nothing on stderr" "$(wc -c <"$ERR")" 0
    # --help wins over everything else on the line
    run "$EDICT" $c --tenants "$TMP/nowhere" --help
    is "$c --help after other options: still help, exit 0" "$RC:$(head -1 "$OUT" | cut -d' ' -f1-3)" "0:usage: edict $c"
done

run "$EDICT" eval --help
for o in --packs --tenants --tenant --as-of --fail-on --explain --summary \
    --limit-instructions --limit-memory --limit-time --help; do
    check "eval --help documents $o" grep -q -- "^  $o" "$OUT"
done
has "eval --help: exit statuses" "$OUT" "exit status: 0 all decided; 2 some events were bad; 3 --fail-on reached;"
has "eval --help: input forms" "$OUT" "Input: a JSON object, an array of"
for c in check test; do
    run "$EDICT" $c --help
    for o in --tenants --limit-instructions --limit-memory --limit-time --help; do
        check "$c --help documents $o" grep -q -- "^  $o" "$OUT"
    done
    has "$c --help: exit status" "$OUT" "exit status: 0 when every"
done
run "$EDICT" packs --help
has "packs --help: options" "$OUT" "usage: edict packs [--packs DIR]... [--tenants DIR]"

for form in --version version; do
    run "$EDICT" $form
    is "edict $form: exit 0" "$RC" 0
    check "edict $form: edict X.Y.Z (pack API N)" grep -Eqx 'edict [0-9]+\.[0-9]+\.[0-9]+ \(pack API [0-9]+\)' "$OUT"
done
has "RULES.md names the pack API edict implements" RULES.md \
    "$(sed -n 's/.*(\(pack API [0-9]*\)).*/\1/p' "$OUT")"

# -h and `edict help COMMAND` are --help, for every command and subcommand
for c in eval check test packs serve diff retention audit db new events lint metrc evidence \
    report replay "audit verify" "audit export" "evidence put" "retention status" "db migrate" \
    "metrc sync" "metrc outbox"; do
    run "$EDICT" $c --help
    want=$(cat "$OUT")
    wantrc=$RC
    run "$EDICT" $c -h
    is "$c -h: what --help prints, exit $wantrc" "$RC:$(cat "$OUT")" "$wantrc:$want"
    check "$c --help prints a usage" [ -n "$want" ]
    run "$EDICT" help $c
    is "edict help $c: what $c --help prints" "$RC:$(cat "$OUT")" "$wantrc:$want"
done

# bad usage prints the usage on stderr, not stdout
run "$EDICT"
is "no command: usage on stderr only" "$RC:$(wc -c <"$OUT"):$(head -1 "$ERR")" "64:0:usage: edict <command> [options]"
run "$EDICT" eval --nope
is "eval --nope: usage on stderr only" "$RC:$(wc -c <"$OUT"):$(grep -c '^usage: edict eval' "$ERR")" "64:0:1"

summary
