#!/bin/sh
# tests/bench/chain.sh — build and run tests/bench/chain_bench.c (timings of
# the edict.chain module on 10^4, 10^5, 10^6-edge custody graphs) against
# build/rel/libedict.a. Numbers only; never fails on speed.
#
#   make build/rel/libedict.a && sh tests/bench/chain.sh
cd "$(dirname "$0")/../.." || exit 1
LIB=${LIB:-build/rel/libedict.a}
OUT=build/bench
CC=${CC:-cc}
if [ ! -f "$LIB" ]; then
    echo "chain bench: $LIB is not built (make $LIB)" >&2
    exit 1
fi
mkdir -p "$OUT" || exit 1
# shellcheck disable=SC2046 # pkg-config output is meant to split
$CC -std=c11 -O2 -g -Wall -Wextra -Werror -Iruntime -I. -o "$OUT/chain_bench" \
    tests/bench/chain_bench.c "$LIB" \
    $(pkg-config --cflags --libs lua5.4 lua5.4-cjson libcrypto) -lpthread -lm || exit 1
"$OUT/chain_bench"
