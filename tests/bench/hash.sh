#!/bin/sh
# tests/bench/hash.sh — throughput of edict.hash.sha256 (called from rule
# code in a sandbox, budget armed, one 8 KiB block per call) beside
# `openssl speed -evp sha256 -bytes 8192`, the same library with no Lua in
# between. Prints both in MB/s (10^6 bytes/s) and their ratio (target
# >= 0.9). Numbers only: never fails on speed.
#
#   sh tests/bench/hash.sh            (HASH_BENCH_SECONDS=3 by default)
#
# Builds build/rel/libedict.a with make, then tests/bench/hash_bench.c
# against it into build/bench/hash_bench.

cd "$(dirname "$0")/../.." || exit 1
SECONDS_PER_RUN=${HASH_BENCH_SECONDS:-3}
BYTES=8192
CC=${CC:-cc}
PKGS="lua5.4 lua5.4-cjson libcrypto"
OUT=build/bench

make --no-print-directory -s build/rel/libedict.a || exit 1
mkdir -p "$OUT" || exit 1
# shellcheck disable=SC2046,SC2086 # the package list and pkg-config output split on purpose
$CC -O2 -std=c11 -Wall -Wextra -Werror -Iruntime -I. $(pkg-config --cflags $PKGS) \
    -o "$OUT/hash_bench" tests/bench/hash_bench.c build/rel/libedict.a \
    $(pkg-config --libs $PKGS) -lpthread -lm || exit 1

edict=$("$OUT/hash_bench" "$SECONDS_PER_RUN" "$BYTES") || exit 1

# -mr prints "+F:<n>:sha256:<bytes per second>" for the one block size.
openssl=$(openssl speed -mr -evp sha256 -bytes "$BYTES" -seconds "$SECONDS_PER_RUN" \
    2>/dev/null | awk -F: '$1 == "+F" { printf "%.2f\n", $4 / 1e6 }')
if [ -z "$openssl" ]; then
    echo "hash bench: cannot parse the output of openssl speed" >&2
    exit 1
fi

printf 'edict.hash.sha256 (sandbox, %s-byte blocks): %10s MB/s\n' "$BYTES" "$edict"
printf 'openssl speed -evp sha256 -bytes %s:        %10s MB/s\n' "$BYTES" "$openssl"
awk -v a="$edict" -v b="$openssl" \
    'BEGIN { printf "ratio edict/openssl: %.3f (target >= 0.9)\n", a / b }'
