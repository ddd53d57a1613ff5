# test_journal.sh — the audit journal: every decision is appended to its
# tenant's hash chain before it is written out; `edict audit verify` walks
# the chains and names the first broken link; a torn last entry is cut when
# the journal is next opened; killed writers lose no acknowledged decision;
# and the chain can be re-verified with openssl alone.
. tests/cli/lib.sh

J=$TMP/journal
{ for i in 1 2 3 4 5; do
    printf '{"id":"j%d","type":"employee.compliance","tenant":"acme","jurisdiction":"US-TX","occurred_at":"2026-01-0%dT10:00:00Z","data":{"employee_id":"E-%d"}}\n' "$i" "$i" "$i"
  done
  printf '{"id":"k1","type":"employee.compliance","tenant":"globex","jurisdiction":"US-TX","occurred_at":"2026-01-01T10:00:00Z","data":{}}\n'
} >"$TMP/ev.ndjson"

run "$EDICT" eval --packs rules --journal "$J" "$TMP/ev.ndjson"
is "eval journals and decides" "$RC" 0
SEG=$J/acme/segment-000001.log
is "one entry per decision of the tenant" "$(wc -l <"$SEG" | tr -d ' ')" 5
is "the entry holds exactly the bytes written out" \
    "$(sed -n 1p "$SEG" | cut -d' ' -f5-)" "$(sed -n 1p "$OUT")"
run "$EDICT" audit verify --journal "$J"
is "verify: ok" "$RC" 0
has "verify: acme has 5 entries" "$OUT" "tenant acme: 5 entries"
has "verify: globex has 1 entry" "$OUT" "tenant globex: 1 entries"
run "$EDICT" audit verify --journal "$J" --tenant globex
lacks "verify --tenant: only that tenant" "$OUT" "acme"

# re-verification without edict: openssl, xxd, the shell (docs/AUDIT.md)
reverify() {
    prev=0000000000000000000000000000000000000000000000000000000000000000
    while IFS= read -r line; do
        set -- $line
        stored=$4
        bytes=${line#* * * * }
        got=$( { printf '%s' "$prev" | xxd -r -p; printf '%s' "$bytes"; } |
               openssl dgst -sha256 -r | cut -d' ' -f1)
        [ "$got" = "$stored" ] || { echo "broken at $2"; return; }
        prev=$stored
    done <"$1"
    echo ok
}
is "the chain re-verifies with openssl alone" "$(reverify "$SEG")" ok

# a second run appends to the same chain
run "$EDICT" eval --packs rules --journal "$J" "$TMP/ev.ndjson"
run "$EDICT" audit verify --journal "$J" --tenant acme
has "appending continues the chain" "$OUT" "tenant acme: 10 entries"

# tampering: each kind is caught and named
tamper() {  # NAME SED-OR-COMMAND EXPECTED-TEXT
    cp -R "$J" "$TMP/t"
    sh -c "$2" sh "$TMP/t/acme/segment-000001.log"
    run "$EDICT" audit verify --journal "$TMP/t" --tenant acme
    is "$1: verify fails" "$RC" 1
    has "$1: names the entry and what is wrong" "$OUT" "$3"
    rm -rf "$TMP/t"
}
tamper "one byte flipped" 'sed -i "3s/employee-flags/employee-flagz/" "$1"' "BROKEN at entry 3: hash mismatch"
tamper "an entry deleted" 'sed -i "4d" "$1"' "BROKEN at entry 4: sequence number 5"
tamper "two entries swapped" 'awk "NR==3{h=\$0;next} NR==4{print;print h;next} 1" "$1" >"$1.x" && mv "$1.x" "$1"' "BROKEN at entry 3: sequence number 4"
tamper "a forged entry appended" 'printf "E1 11 2 %064d {}\n" 0 >> "$1"' "BROKEN at entry 11: hash mismatch"
tamper "a length that lies" 'sed -i "2s/^E1 2 [0-9]*/E1 2 7/" "$1"' "BROKEN at entry 2: length does not match"

# a torn last entry (a write cut short): noted by verify, cut by the next writer
cp -R "$J" "$TMP/torn"
printf 'E1 11 40 0123' >>"$TMP/torn/acme/segment-000001.log"
run "$EDICT" audit verify --journal "$TMP/torn" --tenant acme
is "torn tail: the complete entries still verify" "$RC" 0
has "torn tail: noted" "$OUT" "torn last entry after entry 10"
run "$EDICT" eval --packs rules --journal "$TMP/torn" "$TMP/ev.ndjson"
has "torn tail: the next writer cuts it, with a warning" "$ERR" "cut a torn last entry"
run "$EDICT" audit verify --journal "$TMP/torn" --tenant acme
is "torn tail: the chain goes on from entry 10" "$RC:$(grep -c . "$TMP/torn/acme/segment-000001.log")" "0:15"

# one writer at a time
exec 9>>"$SEG"
flock -n 9
run "$EDICT" eval --packs rules --journal "$J" "$TMP/ev.ndjson"
is "a locked journal: edict refuses to write" "$RC" 1
has "and says why" "$ERR" "in use by another edict"
exec 9>&-

# --no-journal writes nothing
run "$EDICT" eval --packs rules --no-journal --journal "$TMP/none" "$TMP/ev.ndjson"
is "--no-journal: no journal folder" "$([ -e "$TMP/none" ] && echo made || echo none)" none

# crash: kill writers at random points; every decision they wrote out is in
# the journal, and the chain verifies (a torn tail is cut by the next open)
lua5.4 tests/bench/gen_events.lua 3000 7 >"$TMP/many.ndjson"
CJ=$TMP/crash
lost=0
for round in 1 2 3 4 5 6 7 8 9 10; do
    "$EDICT" eval --packs rules --journal "$CJ" --fsync-every 4 "$TMP/many.ndjson" \
        >"$TMP/acked.$round" 2>/dev/null &
    pid=$!
    sleep "0.$(( (round * 37) % 9 + 1 ))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    # every acknowledged decision line must be in its tenant's journal
    grep '"decision_id"' "$TMP/acked.$round" | while IFS= read -r d; do
        grep -qF -- "$d" "$CJ"/*/segment-000001.log || echo missing
    done >"$TMP/missing.$round"
    [ -s "$TMP/missing.$round" ] && lost=$((lost + 1))
    run "$EDICT" eval --packs rules --journal "$CJ" --no-journal /dev/null
done
is "killed 10 times: no acknowledged decision missing from the journal" "$lost" 0
run "$EDICT" eval --packs rules --journal "$CJ" "$TMP/ev.ndjson"
run "$EDICT" audit verify --journal "$CJ"
is "after the kills (and a writer that cut any torn tail) every chain verifies" "$RC" 0

# signed checkpoints catch what the chain alone cannot: a chain rewritten
# whole, every hash recomputed
K=$TMP/keys/audit.key
mkdir -p "$TMP/keys"
run "$EDICT" audit keygen --key "$K"
is "keygen" "$RC" 0
is "the private key is readable by its owner only" "$(stat -c %a "$K")" 600
run "$EDICT" audit keygen --key "$K"
is "keygen never writes over a key" "$RC" 1
run "$EDICT" audit checkpoint --key "$K" --journal "$J"
is "checkpoint signs every chain head" "$RC:$(grep -c 'checkpoint signed' "$OUT")" "0:2"
run "$EDICT" audit verify --journal "$J" --pub "$K.pub"
is "verify --pub: checkpoints signed and matching" "$RC" 0
has "and says so" "$OUT" "1 checkpoint signed and matching"

# rewrite acme's chain with changed bytes and recomputed hashes
rewrite() {  # SEGMENT: change entry 2's bytes, recompute every hash
    prev=0000000000000000000000000000000000000000000000000000000000000000
    n=0
    while IFS= read -r line; do
        n=$((n + 1))
        bytes=${line#* * * * }
        [ "$n" = 2 ] && bytes=$(printf '%s' "$bytes" | sed 's/"event_id":"j/"event_id":"forged-/')
        len=$(printf '%s' "$bytes" | wc -c | tr -d ' ')
        h=$( { printf '%s' "$prev" | xxd -r -p; printf '%s' "$bytes"; } |
             openssl dgst -sha256 -r | cut -d' ' -f1)
        printf 'E1 %d %d %s %s\n' "$n" "$len" "$h" "$bytes"
        prev=$h
    done <"$1" >"$1.new"
    mv "$1.new" "$1"
}
cp -R "$J" "$TMP/rw"
rewrite "$TMP/rw/acme/segment-000001.log"
is "the rewritten chain re-verifies on its own (this is what checkpoints are for)" \
    "$(reverify "$TMP/rw/acme/segment-000001.log")" ok
run "$EDICT" audit verify --journal "$TMP/rw" --tenant acme
is "rewritten chain: caught by the checkpoint" "$RC" 1
has "rewritten chain: named" "$OUT" "differs from the signed checkpoint"

# ... and with the checkpoints forged too, under another key
run "$EDICT" audit keygen --key "$TMP/keys/other.key"
rm "$TMP/rw/acme/checkpoints.log"
run "$EDICT" audit checkpoint --key "$TMP/keys/other.key" --journal "$TMP/rw" --tenant acme
run "$EDICT" audit verify --journal "$TMP/rw" --tenant acme --pub "$K.pub"
is "forged checkpoints: caught by the signature" "$RC" 1
has "forged checkpoints: named" "$OUT" "bad signature"

# entries removed from the end, below a checkpoint
cp -R "$J" "$TMP/cut"
sed -i '$d' "$TMP/cut/acme/segment-000001.log"
run "$EDICT" audit verify --journal "$TMP/cut" --tenant acme
is "removed entries: caught by the checkpoint" "$RC" 1
has "removed entries: named" "$OUT" "before the signed checkpoint"
run "$EDICT" audit checkpoint --journal "$J"
is "checkpoint without --key: usage" "$RC" 64

# export: JSON lines a regulator re-hashes entry by entry
run "$EDICT" audit export --tenant acme --journal "$J"
is "export" "$RC" 0
is "export: one line per entry" "$(grep -c . "$OUT")" 10
rehash() {
    while IFS= read -r line; do
        prev=$(printf '%s' "$line" | sed 's/.*"prev":"\([0-9a-f]*\)".*/\1/')
        hash=$(printf '%s' "$line" | sed 's/.*"hash":"\([0-9a-f]*\)".*/\1/')
        dec=${line#*\"decision\":}
        dec=${dec%\}}
        got=$( { printf '%s' "$prev" | xxd -r -p; printf '%s' "$dec"; } |
               openssl dgst -sha256 -r | cut -d' ' -f1)
        [ "$got" = "$hash" ] || { echo "entry does not re-hash: $line" | cut -c1-80; return; }
    done <"$1"
    echo ok
}
is "export: every entry re-hashes with openssl" "$(rehash "$OUT")" ok
run "$EDICT" audit export --tenant acme --journal "$J" --from 2026-01-02 --to 2026-01-03
is "export --from/--to: by occurred_at" "$(grep -c . "$OUT")" 4
run "$EDICT" audit export --journal "$J"
is "export without --tenant: usage" "$RC" 64

# retention: status, and archive keeps the chain verifiable
R=$TMP/ret
mkpack "$TMP/rp/keep" keep 1 US-XX
write "$TMP/rp/keep/rules.lua" <<'EOF2'
rule { id = "keep/retain", on = "t.a", severity = "info", cite = "test retention",
  check = function(e, ctx) if e.data.keep then ctx.retain_until(e.data.keep) end end }
EOF2
{ event r1 '{"keep":"2020-01-01"}'; event r2 '{"keep":"2030-06-30"}'; event r3 '{}'; } >"$TMP/ret.ndjson"
run "$EDICT" eval --packs "$TMP/rp" --journal "$R" "$TMP/ret.ndjson"
run "$EDICT" retention status --journal "$R" --as-of 2026-01-01
is "retention status" "$RC" 0
has "status: one past retention, one undated, the next date" "$OUT" \
    "3 entries; 1 past retention on 2026-01-01; 1 without a retention date (kept); 0 archived; the next may go after 2030-06-30"
run "$EDICT" audit checkpoint --key "$K" --journal "$R"
run "$EDICT" retention archive --journal "$R"
is "archive without --as-of: usage (nothing removed by accident)" "$RC" 64
run "$EDICT" retention archive --journal "$R" --as-of 2026-01-01
is "archive" "$RC" 0
lacks "archive: the expired decision is gone" "$R/acme/segment-000001.log" '"event_id":"r1"'
has "archive: the others are kept" "$R/acme/segment-000001.log" '"event_id":"r2"'
run "$EDICT" audit verify --journal "$R" --pub "$K.pub"
is "archive: the chain and its signed checkpoint still verify" "$RC" 0
has "archive: verify counts the archived entry" "$OUT" "1 archived (hash kept, decision removed)"
run "$EDICT" audit export --tenant acme --journal "$R"
has "archive: export marks it" "$OUT" '"seq":1,' 
has "archive: as archived" "$OUT" '"archived":true'
run "$EDICT" eval --packs "$TMP/rp" --journal "$R" "$TMP/ret.ndjson"
run "$EDICT" audit verify --journal "$R"
is "archive: appending goes on, and verifies" "$RC:$(grep -c . "$R/acme/segment-000001.log")" "0:6"

run "$EDICT" audit
is "audit without a subcommand: usage" "$RC" 64
run "$EDICT" audit verify --help
is "audit verify --help" "$RC" 0

summary
