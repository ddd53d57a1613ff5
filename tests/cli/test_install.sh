# test_install.sh — what `make install` adds beside the binary and the
# packs: a man page per command, written from the binary's own --help
# (dist/man.sh), and bash completion (dist/edict.bash-completion) that
# completes commands, subcommands and each command's options.
. tests/cli/lib.sh

M=$TMP/man
sh dist/man.sh "$EDICT" "$M" >"$TMP/man.out" 2>&1
is "man.sh: exit 0" "$?" 0
for c in "" -eval -check -test -packs -diff -audit -serve -evidence -report -replay -retention -db -new -events -lint -metrc; do
    check "a man page: edict$c.1" [ -s "$M/edict$c.1" ]
done
has "edict-eval(1): its title line" "$M/edict-eval.1" '.TH EDICT-EVAL 1'
has "edict-eval(1): the synopsis is eval's usage" "$M/edict-eval.1" 'edict eval [options] [FILE|-]'
has "edict-eval(1): it documents --format as --help does" "$M/edict-eval.1" '--format json|pretty'
lacks "edict-eval(1): no installer's journal folder in it" "$M/edict-eval.1" 'The journal by default'
has "edict(1): the version it describes" "$M/edict.1" "$("$EDICT" --version)"
if command -v groff >/dev/null 2>&1; then
    groff -man -Tutf8 -ww "$M/edict-eval.1" >"$TMP/eval.txt" 2>"$TMP/groff.err"
    is "edict-eval(1) renders without a warning" "$(cat "$TMP/groff.err")" ""
    has "... and reads as a man page" "$TMP/eval.txt" "edict-eval - decide events"
fi

# completion, as bash calls it
if command -v bash >/dev/null 2>&1; then
    EDICT_DIR=$(cd "$(dirname "$EDICT")" && pwd)
    complete_line() {
        bash -c '
            . dist/edict.bash-completion
            read -r -a COMP_WORDS <<<"$1"
            [ "${1% }" != "$1" ] && COMP_WORDS+=("")
            COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
            _edict
            printf "%s\n" "${COMPREPLY[@]}"' _ "$1"
    }
    PATH=$EDICT_DIR:$PATH
    export PATH
    is "completion: edict eva -> eval" "$(complete_line "$(basename "$EDICT") eva")" "eval"
    is "completion: edict evi -> evidence" "$(complete_line "$(basename "$EDICT") evi")" "evidence"
    is "completion: edict audit v -> verify, verify-package" "$(complete_line "$(basename "$EDICT") audit v" | tr "\n" " ")" "verify verify-package "
    is "completion: edict audit pa -> package" "$(complete_line "$(basename "$EDICT") audit pa")" "package"
    is "completion: edict eval --fo -> --format" "$(complete_line "$(basename "$EDICT") eval --fo")" "--format"
    has_line() { printf '%s\n' "$2" | grep -qx -- "$1"; }
    check "completion: edict new --j offers --jurisdiction" has_line --jurisdiction "$(complete_line "$(basename "$EDICT") new --j")"
    check "completion: edict events dr offers driver.status" has_line driver.status "$(complete_line "$(basename "$EDICT") events dr")"
fi
summary
