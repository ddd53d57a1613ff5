#!/bin/sh
# tests/bench/store.sh — build and run tests/bench/store_bench.c against
# the file store (a temporary folder) and PostgreSQL (a private server from
# tests/pg.sh, synchronous_commit on, fsync on): appends/s with group
# commit on one tenant and over 50 tenants, and a 10,000-entry history
# query. Numbers only; never fails on speed.
#
#   make build/rel/libedict.a && sh tests/bench/store.sh [THREADS] [EACH]
cd "$(dirname "$0")/../.." || exit 1
LIB=${LIB:-build/rel/libedict.a}
OUT=build/bench
CC=${CC:-cc}
EDICT=${EDICT:-build/rel/edict}
if [ ! -f "$LIB" ] || [ ! -x "$EDICT" ]; then
    echo "store bench: $LIB or $EDICT is not built (make)" >&2
    exit 1
fi
mkdir -p "$OUT" || exit 1
# shellcheck disable=SC2046 # pkg-config output is meant to split
$CC -std=c11 -O2 -g -Wall -Wextra -Werror -Iruntime -I. -o "$OUT/store_bench" \
    tests/bench/store_bench.c "$LIB" \
    $(pkg-config --cflags --libs lua5.4 lua5.4-cjson libcrypto libpq libarchive) -lev -lhttp_parser \
    -lpthread -lm || exit 1
dir=$(mktemp -d)
. tests/pg.sh
trap 'pg_stop; rm -rf "$dir"' EXIT
"$OUT/store_bench" "$dir/journal" "$@"
if pg_start && EDICT=$EDICT pg_migrate; then
    "$PG_BIN/psql" -X -q -A -t "$EDICT_PG_ADMIN dbname=edict" \
        -c "SELECT 'postgres: synchronous_commit=' || current_setting('synchronous_commit') || ', fsync=' || current_setting('fsync')"
    "$OUT/store_bench" "$EDICT_PG_URL" "$@"
fi
