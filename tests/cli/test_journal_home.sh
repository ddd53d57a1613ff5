# test_journal_home.sh — where the journal goes when none is named: the
# same folder from wherever edict runs ($EDICT_JOURNAL_DIR, else
# $EDICT_HOME/var/journal, else $XDG_STATE_HOME/edict/journal, else
# ~/.local/state/edict/journal), named by --help and the summary; and
# `make run`'s examples/run.sh starting its own afresh under build/run/.
. tests/cli/lib.sh

EDICT_ABS=$(cd "$(dirname "$EDICT")" && pwd)/$(basename "$EDICT")
ROOT=$(pwd)
unset EDICT_JOURNAL_DIR EDICT_HOME XDG_STATE_HOME
export HOME="$TMP/home"
mkdir -p "$HOME" "$TMP/a" "$TMP/b"
# two of the examples' events
head -n 1 examples/employee.ndjson >"$TMP/e1"
sed -n 2p examples/employee.ndjson >"$TMP/e2"

cd "$TMP/a" && "$EDICT_ABS" eval --summary "$TMP/e1" >/dev/null 2>"$TMP/err1"
cd "$TMP/b" && "$EDICT_ABS" eval --summary "$TMP/e2" >/dev/null 2>"$TMP/err2"
cd "$ROOT" || exit 1
J=$HOME/.local/state/edict/journal
check "no EDICT_HOME nor XDG_STATE_HOME: the journal is ~/.local/state/edict/journal" [ -f "$J/FORMAT" ]
check "nothing is journaled under the folder edict ran in" [ ! -e "$TMP/a/var" ] && [ ! -e "$TMP/b/var" ]
is "runs from two folders append to the one journal" "$(cat "$J"/segment-*.log | wc -l | tr -d ' ')" 2
has "the summary names the journal" "$TMP/err1" "journal: $J"
run "$EDICT_ABS" eval --help
is "eval --help names the journal in use" "$(tail -1 "$OUT")" "The journal by default: $J"
run "$EDICT_ABS" audit verify --help
is "audit --help names it too" "$(tail -1 "$OUT")" "The journal by default: $J"
run "$EDICT_ABS" eval --summary --no-journal "$TMP/e1"
has "--no-journal: the summary says so" "$ERR" "journal: none (--no-journal)"

XDG_STATE_HOME=$TMP/xdg "$EDICT_ABS" eval "$TMP/e1" >/dev/null 2>&1
check "XDG_STATE_HOME: \$XDG_STATE_HOME/edict/journal" [ -f "$TMP/xdg/edict/journal/FORMAT" ]
EDICT_HOME=$TMP/inst XDG_STATE_HOME=$TMP/xdg2 "$EDICT_ABS" eval "$TMP/e1" >/dev/null 2>&1
check "EDICT_HOME: the installation's \$EDICT_HOME/var/journal, before XDG" \
    [ -f "$TMP/inst/var/journal/FORMAT" ] && [ ! -e "$TMP/xdg2/edict" ]
EDICT_JOURNAL_DIR=$TMP/named EDICT_HOME=$TMP/inst2 "$EDICT_ABS" eval "$TMP/e1" >/dev/null 2>&1
check "EDICT_JOURNAL_DIR comes first" [ -f "$TMP/named/FORMAT" ] && [ ! -e "$TMP/inst2" ]
run "$EDICT_ABS" eval --summary --store "postgres://edict:s3cret-pw@127.0.0.1:1/x" "$TMP/e1"
lacks "a PostgreSQL store's password is never shown" "$ERR" "s3cret-pw"

# make run: examples/run.sh journals under build/run/journal, afresh each
# time (a copy of the tree, so the real build/ is left alone)
T=$TMP/tree
mkdir -p "$T"
cp -R examples rules jurisdictions tenants "$T"/
(cd "$T" && sh examples/run.sh "$EDICT_ABS" >"$TMP/run.out" 2>&1)
first=$(cat "$T"/build/run/journal/segment-*.log 2>/dev/null | wc -l | tr -d ' ')
(cd "$T" && sh examples/run.sh "$EDICT_ABS" >/dev/null 2>&1)
again=$(cat "$T"/build/run/journal/segment-*.log 2>/dev/null | wc -l | tr -d ' ')
check "make run journals under build/run/journal ($first entries)" [ "$first" -gt 0 ]
is "a second make run starts it afresh: as many entries, not twice" "$again" "$first"
check "make run leaves the user's journal alone" [ ! -e "$HOME/.local/state/edict/journal/segment-000002.log" ]
# ... and it is a screen for a person: no decision JSON on it, the files
# that hold the decisions named, one decision shown in words
check "make run: the decisions are in files, one JSON line each" \
    sh -c "cat '$T'/build/run/*.decisions.ndjson | head -1 | grep -q '^{\"decision_id\"'"
has "make run: the screen names where the decisions are" "$TMP/run.out" "-> build/run/employee.decisions.ndjson"
lacks "make run: no decision JSON on the screen" "$TMP/run.out" '{"decision_id"'
has "make run: per stream, its counts" "$TMP/run.out" "32 events: 30 decided"
has "make run: one decision explained in words" "$TMP/run.out" "== one decision, explained"
has "make run: its trace as a table" "$TMP/run.out" "explain:"
has "make run: the chains verified" "$TMP/run.out" "tenant acme: 12 entries"
check "make run: one screenful, not a wall of JSON ($(wc -l <"$TMP/run.out") lines)" [ "$(wc -l <"$TMP/run.out")" -lt 150 ]
is "make run adds nothing to the user's journal" "$(cat "$J"/segment-*.log | wc -l | tr -d ' ')" 2

summary
