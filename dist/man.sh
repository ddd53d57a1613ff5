#!/bin/sh
# dist/man.sh — write the man pages of edict and of each of its commands
# from their --help texts (so a page says what the binary does, never
# what it used to): edict(1), edict-eval(1), edict-check(1), …
#
#   sh dist/man.sh EDICT OUTDIR
set -eu
EDICT=$1
OUT=$2
mkdir -p "$OUT"
VERSION=$("$EDICT" --version)
DATE=$(date -u +%Y-%m-%d)

# roff-safe text: a leading dot or quote escaped, backslashes doubled
esc() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

# page NAME SUMMARY HELP_COMMAND...: one page from one --help text
page() {
    name=$1
    summary=$2
    shift 2
    # the journal line names the installer's own folder: not the reader's
    help=$("$@" | grep -v '^The journal by default: ')
    upper=$(printf '%s' "$name" | tr 'a-z' 'A-Z')
    {
        printf '.TH %s 1 "%s" "%s" "edict manual"\n' "$upper" "$DATE" "$VERSION"
        printf '.SH NAME\n%s \\- %s\n' "$name" "$summary"
        printf '.SH SYNOPSIS\n.nf\n'
        printf '%s\n' "$help" | sed -n '/^usage:/,/^$/p' | sed -e 's/^usage: //' -e 's/^       //' -e '/^$/d' | esc
        printf '.fi\n.SH DESCRIPTION\n.nf\n'
        printf '%s\n' "$help" | sed '1,/^$/d' | esc
        printf '.fi\n.SH SEE ALSO\n'
        if [ "$name" = edict ]; then
            printf 'edict-eval(1), edict-check(1), edict-test(1), edict-serve(1); RULES.md and docs/ in the source\n'
        else
            printf 'edict(1); RULES.md and docs/ in the source\n'
        fi
    } >"$OUT/$name.1"
}

page edict "decide compliance events with sandboxed Lua rule packs" "$EDICT" --help
page edict-eval "decide events and write one decision per line" "$EDICT" eval --help
page edict-check "load packs and report every problem with file:line" "$EDICT" check --help
page edict-test "run the packs' fixtures" "$EDICT" test --help
page edict-packs "list the loaded packs" "$EDICT" packs --help
page edict-diff "what changes between two sets of packs, event by event" "$EDICT" diff --help
page edict-audit "verify, sign and export the audit journal" "$EDICT" audit --help
page edict-serve "the HTTP service" "$EDICT" serve --help
page edict-evidence "the evidence vault: store, read and list evidence" "$EDICT" evidence --help
page edict-report "the monthly compliance report" "$EDICT" report --help
page edict-replay "decide journaled decisions again and compare the bytes" "$EDICT" replay --help
page edict-retention "what is past its retention date; archive it" "$EDICT" retention --help
page edict-db "the PostgreSQL store's schema" "$EDICT" db --help
page edict-new "write a new pack to start from" "$EDICT" new --help
page edict-lint "luacheck and edict's own checks over packs" "$EDICT" lint --help
page edict-events "the event catalogue: types, their data fields, a JSON Schema" "$EDICT" events --help
page edict-metrc "Metrc: sync a licence into the store; the outbox of writes for Metrc" "$EDICT" metrc --help
