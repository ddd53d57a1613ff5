#!/bin/sh
# run.sh — run every test suite and add up their counts.
#
# Suites: the C unit programs ($UNIT_DIR/test_*), the fixtures of the
# shipped packs (edict test), the test packs under tests/packs (sandbox
# attacks and engine behaviour, as fixtures), and the command-line tests
# (tests/cli/test_*.sh). A private PostgreSQL server (tests/pg.sh) runs
# for the whole run, for the suites that test the PostgreSQL store; it is
# stopped at the end, whatever happened. Each prints ok/FAIL lines and ends with
# "N passed, N failed"; a suite that dies without that line counts as one
# failure. The last line is the total.
set -u
EDICT=${EDICT:-build/rel/edict}
UNIT_DIR=${UNIT_DIR:-build/rel/tests}
export EDICT
passed=0
failed=0
log=$(mktemp)
# every edict eval of the suites journals here, not into the source tree
EDICT_JOURNAL_DIR=$(mktemp -d)
export EDICT_JOURNAL_DIR
. tests/pg.sh
trap 'pg_stop; rm -f "$log"; rm -rf "$EDICT_JOURNAL_DIR"' EXIT
trap 'exit 130' INT TERM HUP

suite() {
    name=$1
    shift
    echo "== $name"
    "$@" >"$log" 2>&1
    rc=$?
    grep -E '^(FAIL|not ok)' "$log" | head -50
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    if [ -z "$line" ]; then
        echo "FAIL - $name: exited $rc without a summary line"
        tail -20 "$log"
        failed=$((failed + 1))
        return
    fi
    p=${line%% passed*}
    f=${line#*passed, }
    f=${f%% failed*}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL - $name: exited $rc"
        tail -20 "$log"
        f=1
    fi
    echo "$line"
    passed=$((passed + p))
    failed=$((failed + f))
}

echo "== postgresql (tests/pg.sh)"
if pg_start && pg_migrate; then
    echo "a private server on port $EDICT_PG_PORT"
else
    echo "FAIL - postgresql: the private server did not start (make deps installs it)"
    failed=$((failed + 1))
fi

for t in "$UNIT_DIR"/test_*; do
    [ -x "$t" ] && suite "unit $(basename "$t")" "$t"
done
suite "shipped pack fixtures" "$EDICT" test
for d in tests/packs/*/; do
    [ -d "$d" ] && suite "test packs ${d%/}" "$EDICT" test "$d"
done
for t in tests/cli/test_*.sh; do
    [ -f "$t" ] && suite "cli $(basename "$t")" sh "$t"
done
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
