# test_docs.sh — what README.md and RULES.md show edict printing is what
# edict prints: their console blocks run in a copy of the tree and compared
# line by line (tests/cli/doccheck.lua: "…" is any text). The serve tour
# has its own test (test_readme_serve.sh); the journal heads README shows
# are also checked by test_journal.sh.
. tests/cli/lib.sh

EDICT_DIR=$(cd "$(dirname "$EDICT")" && pwd)
[ "$(basename "$EDICT")" = edict ] || ln -sf "$EDICT_DIR/$(basename "$EDICT")" "$TMP/edict"
[ "$(basename "$EDICT")" = edict ] || EDICT_DIR=$TMP
T=$TMP/tree
mkdir -p "$T"
cp -R README.md RULES.md examples rules jurisdictions tenants adapters "$T"/
# the journal where a reader's goes by default, under a home of the test's
unset EDICT_JOURNAL_DIR EDICT_HOME XDG_STATE_HOME
HOME=$T/home
export HOME

# doc FILE N: block N of FILE, each of its commands a check
doc() {
    lua5.4 tests/cli/doccheck.lua "$T/$1" "$2" "$T" "$EDICT_DIR" >"$TMP/doc.out" 2>&1
    cat "$TMP/doc.out"
    _ok=$(grep -c '^ok - ' "$TMP/doc.out")
    _bad=$(grep -c '^FAIL - ' "$TMP/doc.out")
    T_PASSED=$((T_PASSED + _ok))
    T_FAILED=$((T_FAILED + _bad))
    [ $((_ok + _bad)) -gt 0 ] || fail "$1 block $2" "doccheck.lua ran nothing"
}

# README's tour, in its order: one.json is the second example event
sed -n 2p examples/employee.ndjson >"$T/one.json"
doc README.md 1
doc README.md 2
doc README.md 3
doc README.md 5
doc README.md 6
# the Metrc tour, against the emulator (it starts and stops it)
doc README.md 9

# RULES.md, "Your first pack in 15 minutes"
doc RULES.md 1
# RULES.md, "A state changes its law": the checks, the tests and the
# decisions, on the tree as shipped (both tagging folders are in it)
doc RULES.md 5
doc RULES.md 6
doc RULES.md 7
doc RULES.md 9

summary
