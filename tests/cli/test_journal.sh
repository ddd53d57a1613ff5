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
SEG=$J/segment-000001.log
is "one entry per decision, every tenant in one segment" \
    "$(grep -c '^E3 [0-9]* acme ' "$SEG") $(grep -c '^E3 [0-9]* globex ' "$SEG")" "5 1"
is "the entry holds exactly the bytes written out" \
    "$(sed -n 1p "$SEG" | cut -d' ' -f14-)" "$(sed -n 1p "$OUT")"
is "... and the event's exact bytes (base64), for replay" \
    "$(sed -n 1p "$SEG" | cut -d' ' -f12 | base64 -d)" "$(sed -n 1p "$TMP/ev.ndjson")"
is "the host writes the fields lookups need beside the bytes" \
    "$(sed -n 1p "$SEG" | cut -d' ' -f6-10)" "j1 2026-01-01T10:00:00Z green employee.compliance 2033-01-01"
run "$EDICT" audit verify --journal "$J"
is "verify: ok" "$RC" 0
has "verify: acme has 5 entries" "$OUT" "tenant acme: 5 entries"
has "verify: globex has 1 entry" "$OUT" "tenant globex: 1 entries"
run "$EDICT" audit verify --journal "$J" --tenant globex
lacks "verify --tenant: only that tenant" "$OUT" "acme"

# re-verification without edict: openssl, xxd, the shell (docs/AUDIT.md)
reverify() {  # SEGMENT [TENANT]
    prev=0000000000000000000000000000000000000000000000000000000000000000
    t=${2:-acme}
    set -f
    while IFS= read -r line; do
        set -- $line
        [ "$3" = "$t" ] || continue
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
# ... and docs/AUDIT.md's own recipe, as the page writes it, gives the head
# `edict audit verify` prints
sed -n '/^### Without edict/,/^## /p' docs/AUDIT.md | sed -n '/^```sh$/,/^```$/p' | sed '1d;$d' |
    sed -e "s|/srv/edict/journal|$J|g" >"$TMP/audit-recipe.sh"
run "$EDICT" audit verify --journal "$J" --tenant acme
head_edict=$(sed -n 's/.*head \([0-9a-f]*\), ok.*/\1/p' "$OUT")
is "docs/AUDIT.md's shell recipe gives the head edict prints" \
    "$(sh "$TMP/audit-recipe.sh" 2>&1 | tail -1)" "head: $head_edict"

# a second run appends to the same chain
run "$EDICT" eval --packs rules --journal "$J" "$TMP/ev.ndjson"
run "$EDICT" audit verify --journal "$J" --tenant acme
has "appending continues the chain" "$OUT" "tenant acme: 10 entries"

# tampering: each kind is caught and named
tamper() {  # NAME SED-OR-COMMAND EXPECTED-TEXT
    cp -R "$J" "$TMP/t"
    sh -c "$2" sh "$TMP/t/segment-000001.log"
    run "$EDICT" audit verify --journal "$TMP/t" --tenant acme
    is "$1: verify fails" "$RC" 1
    has "$1: names the entry and what is wrong" "$OUT" "$3"
    rm -rf "$TMP/t"
}
tamper "one byte flipped" 'sed -i "3s/employee-flags/employee-flagz/" "$1"' "BROKEN at entry 3: hash mismatch"
tamper "an entry deleted" 'sed -i "4d" "$1"' "BROKEN at entry 4: sequence number 5"
tamper "two entries swapped" 'awk "NR==3{h=\$0;next} NR==4{print;print h;next} 1" "$1" >"$1.x" && mv "$1.x" "$1"' "BROKEN at entry 3: sequence number 4"
tamper "a forged entry appended" 'printf "E2 11 acme %064d - - - - - - 2 {}\n" 0 >> "$1"' "BROKEN at entry 11: hash mismatch"
tamper "a length that lies" 'sed -i -E "2s/^(E3 2 acme [0-9a-f]+ ([^ ]+ ){8})[0-9]+/\\17/" "$1"' "BROKEN in segment-000001.log: length does not match"
tamper "a host field changed (retention_until)" 'sed -i -E "3s/^(E3 3 acme [0-9a-f]+ ([^ ]+ ){5})[0-9-]+/\\11999-01-01/" "$1"' "BROKEN at entry 3: hash mismatch"

# a torn last entry (a write cut short): noted by verify, cut by the next writer
cp -R "$J" "$TMP/torn"
printf 'E2 11 acme 0123' >>"$TMP/torn/segment-000001.log"
run "$EDICT" audit verify --journal "$TMP/torn" --tenant acme
is "torn tail: the complete entries still verify" "$RC" 0
has "torn tail: noted" "$OUT" "a torn last entry at the end of segment-000001.log"
run "$EDICT" eval --packs rules --journal "$TMP/torn" "$TMP/ev.ndjson"
has "torn tail: the next writer cuts it, with a warning" "$ERR" "cut a torn last entry"
run "$EDICT" audit verify --journal "$TMP/torn" --tenant acme
is "torn tail: the chain goes on from entry 10" "$RC:$(grep -c '^E3 [0-9]* acme ' "$TMP/torn/segment-000001.log")" "0:15"

# one writer at a time
exec 9>>"$J/lock"
flock -n 9
run "$EDICT" eval --packs rules --journal "$J" "$TMP/ev.ndjson"
is "a locked journal: edict refuses to write" "$RC" 1
has "and says why" "$ERR" "in use by another edict"
exec 9>&-

# a chain that does not verify is never appended to: eval refuses that
# tenant's events, naming the entry, and decides the others (issue 10, 7)
cp -R "$J" "$TMP/q"
sed -i "2s/employee-flags/employee-flagz/" "$TMP/q/segment-000001.log"
run "$EDICT" eval --packs rules --journal "$TMP/q" "$TMP/ev.ndjson"
is "a damaged chain: eval exits 1" "$RC" 1
has "its tenant's events are refused, naming the entry" "$ERR" \
    "the journal of tenant acme does not verify (BROKEN at entry 2: hash mismatch"
is "each of its events gets an error line, the other tenant a decision" \
    "$(grep -c '"error":"the journal of tenant acme does not verify' "$OUT") $(grep -c '"decision_id"' "$OUT")" "5 1"
run "$EDICT" audit verify --journal "$TMP/q" --tenant globex
has "the other tenant's chain goes on and verifies" "$OUT" "tenant globex: 3 entries"
is "nothing was appended to the damaged chain" "$(grep -c '^E3 [0-9]* acme ' "$TMP/q/segment-000001.log")" 10

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
    # every acknowledged decision line must be in the journal, as an
    # entry's exact bytes (field 14 on)
    cut -d' ' -f14- "$CJ"/segment-*.log >"$TMP/journaled.$round"
    # (a last line cut short by the kill was never written out whole: only
    # complete lines count)
    head -n "$(wc -l <"$TMP/acked.$round")" "$TMP/acked.$round" | grep '"decision_id"' |
        grep -vxF -f "$TMP/journaled.$round" >"$TMP/missing.$round"
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
rewrite() {  # SEGMENT: change acme's entry 2, recompute acme's every hash
    seg=$1
    prev=0000000000000000000000000000000000000000000000000000000000000000
    set -f
    while IFS= read -r line; do
        set -- $line
        if [ "$3" != acme ]; then printf '%s\n' "$line"; continue; fi
        n=$2
        rec=${line#* * * * }
        set -- $rec
        meta="$1 $2 $3 $4 $5 $6 $7 $8"
        bytes=${rec#* * * * * * * * * }
        [ "$n" = 2 ] && bytes=$(printf '%s' "$bytes" | sed 's/"event_id":"j/"event_id":"forged-/')
        rec="$meta $(printf '%s' "$bytes" | wc -c | tr -d ' ') $bytes"
        h=$( { printf '%s' "$prev" | xxd -r -p; printf '%s' "$rec"; } |
             openssl dgst -sha256 -r | cut -d' ' -f1)
        printf 'E3 %d acme %s %s\n' "$n" "$h" "$rec"
        prev=$h
    done <"$seg" >"$seg.new"
    mv "$seg.new" "$seg"
}
cp -R "$J" "$TMP/rw"
rewrite "$TMP/rw/segment-000001.log"
is "the rewritten chain re-verifies on its own (this is what checkpoints are for)" \
    "$(reverify "$TMP/rw/segment-000001.log")" ok
run "$EDICT" audit verify --journal "$TMP/rw" --tenant acme
is "rewritten chain: caught by the checkpoint" "$RC" 1
has "rewritten chain: named" "$OUT" "differs from the signed checkpoint"

# ... and with the checkpoints forged too, under another key
run "$EDICT" audit keygen --key "$TMP/keys/other.key"
rm "$TMP/rw/checkpoints.log"
run "$EDICT" audit checkpoint --key "$TMP/keys/other.key" --journal "$TMP/rw" --tenant acme
run "$EDICT" audit verify --journal "$TMP/rw" --tenant acme --pub "$K.pub"
is "forged checkpoints: caught by the signature" "$RC" 1
has "forged checkpoints: named" "$OUT" "bad signature"

# entries removed from the end, below a checkpoint
cp -R "$J" "$TMP/cut"
last=$(grep -n '^E3 [0-9]* acme ' "$TMP/cut/segment-000001.log" | tail -1 | cut -d: -f1)
sed -i "${last}d" "$TMP/cut/segment-000001.log"
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
        rec=$(printf '%s' "$line" | sed 's/.*"record":"\([^"]*\)".*/\1/')
        dec=${line#*\"decision\":}
        dec=${dec%\}}
        got=$( { printf '%s' "$prev" | xxd -r -p; printf '%s%s' "$rec" "$dec"; } |
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
lacks "archive: the expired decision is gone" "$R/segment-000001.log" '"event_id":"r1"'
has "archive: the others are kept" "$R/segment-000001.log" '"event_id":"r2"'
run "$EDICT" audit verify --journal "$R" --pub "$K.pub"
is "archive: the chain and its signed checkpoint still verify" "$RC" 0
has "archive: verify counts the archived entry" "$OUT" "1 archived (hash kept, decision removed)"
run "$EDICT" audit export --tenant acme --journal "$R"
has "archive: export marks it" "$OUT" '"seq":1,' 
has "archive: as archived" "$OUT" '"archived":true'
run "$EDICT" eval --packs "$TMP/rp" --journal "$R" "$TMP/ret.ndjson"
run "$EDICT" audit verify --journal "$R"
is "archive: appending goes on, and verifies" "$RC:$(grep -c . "$R/segment-000001.log")" "0:6"

# a rule's own details.retention_until never decides what archive removes:
# only the decision's top-level retention_until does (issue 9, defect 1)
R2=$TMP/ret2
mkpack "$TMP/rp2/trick" trick 1 US-XX
write "$TMP/rp2/trick/rules.lua" <<'EOF2'
rule { id = "trick/early", on = "t.a", severity = "minor", cite = "test retention",
  check = function(e, ctx)
    ctx.retain_until("2099-01-01")
    return { { message = "m", details = { retention_until = "1999-01-01" } } }
  end }
EOF2
event t1 '{}' >"$TMP/ret2.ndjson"
run "$EDICT" eval --packs "$TMP/rp2" --journal "$R2" "$TMP/ret2.ndjson"
has "the decision keeps until 2099" "$OUT" '"retention_until":"2099-01-01"'
run "$EDICT" retention archive --journal "$R2" --as-of 2026-06-01
is "archive: nothing past its own date" "$RC" 0
has "archive: the decision kept until 2099 stays" "$R2/segment-000001.log" '"event_id":"t1"'
has "archive: counted as not yet past" "$OUT" "0 past retention on 2026-06-01"

run "$EDICT" audit
is "audit without a subcommand: usage" "$RC" 64
run "$EDICT" audit verify --help
is "audit verify --help" "$RC" 0

summary
