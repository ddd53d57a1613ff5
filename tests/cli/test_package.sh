# test_package.sh — regulator packages (docs/AUDIT.md, "Regulator
# packages"): `edict audit package` for a period and for an entity,
# `edict audit verify-package`, and the shell script docs/AUDIT.md gives
# for checking one with sha256sum and openssl alone, run exactly as it is
# written, on a good package and on tampered ones.
. tests/cli/lib.sh

J=$TMP/journal
export EDICT_JOURNAL_DIR=$J
export EDICT_EVIDENCE_KEY
EDICT_EVIDENCE_KEY=$(openssl rand -hex 32)
unset EDICT_EVIDENCE_KEY_FILE EDICT_EVIDENCE_DIR 2>/dev/null || true

printf 'scale photo of waste W-1\n' >"$TMP/w1.jpg"
run "$EDICT" evidence put "$TMP/w1.jpg" --tenant acme --type photo --entity waste:W-1
DW=$(cat "$OUT")
for i in 1 2 3 4; do
    printf '{"id":"ev%s","type":"evidence.stored","tenant":"acme","jurisdiction":"US-OR","occurred_at":"2026-03-0%sT10:00:00Z","data":{"evidence_id":"W-%s","sha512":"%s"}}\n' \
        "$i" "$i" "$i" "$DW"
done >"$TMP/events"
printf '{"id":"b1","type":"evidence.stored","tenant":"beta","jurisdiction":"US-OR","occurred_at":"2026-03-02T10:00:00Z","data":{"evidence_id":"W-1","sha512":"%s"}}\n' "$DW" >>"$TMP/events"
run "$EDICT" eval "$TMP/events"
is "setup: five decisions" "$(wc -l <"$OUT" | tr -d ' ')" 5
run "$EDICT" audit keygen --key "$TMP/audit.key"
run "$EDICT" audit keygen --key "$TMP/other"
run "$EDICT" audit checkpoint --key "$TMP/audit.key"

# --- a period --------------------------------------------------------------
run "$EDICT" audit package --tenant acme --from 2026-03-01 --to 2026-03-31 \
    --pub "$TMP/audit.key.pub" --out "$TMP/march.tar"
is "package: exit 0" "$RC" 0
has "package: the decisions of March, covered by a checkpoint" "$OUT" \
    "4 decisions selected, entries 2 to 5, covered by a signed checkpoint"
run "$EDICT" audit verify-package "$TMP/march.tar"
is "verify-package: ok" "$RC" 0
has "verify-package: what it checked" "$OUT" "4 entries linked and hashed; 1 checkpoint, signatures verified; 4 events, 1 catalog and"
has "verify-package: ... with what replay needs" "$OUT" "pack versions for replay; ok"
mkdir -p "$TMP/x" && tar -xf "$TMP/march.tar" -C "$TMP/x"
is "chain.txt: the selected entries, in chain order" "$(cut -d' ' -f1,3 "$TMP/x/package/chain.txt" | tr '\n' ,)" \
    "2 selected,3 selected,4 selected,5 selected,"
check "packs.txt names the pack and its digest" grep -q '"name":"evidence","version":"2026.1","digest":"sha256:' "$TMP/x/package/packs.txt"
check "README.txt is there for the inspector" grep -q "openssl pkeyutl -verify" "$TMP/x/package/README.txt"
lacks "no decision of another tenant" "$TMP/x/package/chain.txt" "$(jv "$TMP/events" 'D[5].id')-"
run "$EDICT" audit export --tenant acme
check "the package is journaled, with who and its SHA-256" \
    grep -q "edict.package.*\"kind\":\"package\",\"sha256\":\"$(sha256sum <"$TMP/march.tar" | cut -d' ' -f1)\"" "$OUT"

# the documented script, exactly as docs/AUDIT.md writes it
awk '/^### Checking a package without edict/{f=1} f&&/^```sh/{g=1;next} g&&/^```/{exit} g{print}' \
    docs/AUDIT.md >"$TMP/check.sh"
check "docs/AUDIT.md has the script" grep -q "openssl pkeyutl" "$TMP/check.sh"
run sh -c 'cd "$1" && sh "$2"' sh "$TMP/x" "$TMP/check.sh"
is "the documented openssl/sha256sum check passes" "$RC $(cat "$OUT")" "0 package verified"

# replay: each selected decision's event, exactly as it was sent, and its packs
is "events/N.json: the event exactly as sent" "$(cat "$TMP/x/package/events/2.json")" "$(sed -n 1p "$TMP/events")"
check "replay/catalogs: the catalog that decided them" [ "$(ls "$TMP/x/package/replay/catalogs" | wc -l)" -eq 1 ]
C=$(ls "$TMP/x/package/replay/catalogs")
is "... named by its SHA-256" "$(sha256sum <"$TMP/x/package/replay/catalogs/$C" | cut -d' ' -f1)" "$C"
E=$(awk '$3 == "pack" || $1 == "pack" { print $2; exit }' "$TMP/x/package/replay/catalogs/$C")
check "replay/versions: the pack versions it lists" [ -s "$TMP/x/package/replay/versions/$E.pack" ]
# tampered with care: an event changed, SHA256SUMS redone
cp -R "$TMP/x" "$TMP/t3"
sed -i 's/"evidence_id":"W-1"/"evidence_id":"W-7"/' "$TMP/t3/package/events/2.json"
(cd "$TMP/t3/package" && grep -v SHA256SUMS SHA256SUMS | cut -c67- | xargs sha256sum >SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS)
(cd "$TMP/t3" && tar -cf "$TMP/t3.tar" package)
run "$EDICT" audit verify-package "$TMP/t3.tar"
is "verify-package: a changed event fails" "$RC" 1
has "... naming it" "$OUT" "events/2.json: not the event its entry holds"

# tampered: a byte of a decision, SHA256SUMS not updated
cp -R "$TMP/x" "$TMP/t1"
printf 'X' | dd of="$TMP/t1/package/entries/3.bin" bs=1 seek=200 conv=notrunc 2>/dev/null
run sh -c 'cd "$1" && sh "$2"' sh "$TMP/t1" "$TMP/check.sh"
is "the script: a changed byte fails sha256sum -c" "$RC $(tail -1 "$OUT")" "1 a file was changed"
# tampered with care: SHA256SUMS redone to match
(cd "$TMP/t1/package" && grep -v SHA256SUMS SHA256SUMS | cut -c67- | xargs sha256sum >SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS)
run sh -c 'cd "$1" && sh "$2"' sh "$TMP/t1" "$TMP/check.sh"
is "the script: ... and with SHA256SUMS redone, the entry's hash does not match" "$RC $(tail -1 "$OUT")" "1 entry 3: hash mismatch"
tar -cf "$TMP/t1.tar" -C "$TMP/t1" package
run "$EDICT" audit verify-package "$TMP/t1.tar"
is "verify-package: a tampered package fails" "$RC" 1
has "verify-package: names the entry" "$OUT" "entry 3: hash mismatch"
# a forged checkpoint signature
cp -R "$TMP/x" "$TMP/t2"
openssl rand 64 >"$TMP/t2/package/checkpoints/5.sig"
run sh -c 'cd "$1" && sh "$2"' sh "$TMP/t2" "$TMP/check.sh"
is "the script: a forged signature fails" "$RC" 1

# --- an authority's request: one entity ---------------------------------------
run "$EDICT" audit package --tenant acme --entity waste:W-1 --out "$TMP/w1.tar"
is "package --entity: exit 0" "$RC" 0
has "package --entity: the upload of W-1, with the entries up to the checkpoint" "$OUT" \
    "1 decision selected, entries 1 to 5, covered by a signed checkpoint"
mkdir -p "$TMP/y" && tar -xf "$TMP/w1.tar" -C "$TMP/y"
check "the cited evidence is in it, its bytes" cmp "$TMP/y/package/evidence/$DW" "$TMP/w1.jpg"
run sh -c 'cd "$1" && PUB=$3 sh "$2"' sh "$TMP/y" "$TMP/check.sh" "$TMP/audit.key.pub"
is "the documented check, with the inspector's own copy of the key" "$(cat "$OUT")" "package verified"
run sh -c 'cd "$1" && PUB=$3 sh "$2"' sh "$TMP/y" "$TMP/check.sh" "$TMP/other.pub"
is "... and with another key it fails" "$RC" 1

# --- what is refused -----------------------------------------------------------
run "$EDICT" audit package --tenant acme --from 2025-01-01 --to 2025-01-31 --out "$TMP/none.tar"
is "nothing selected: exit 1, no file" "$RC:$([ -e "$TMP/none.tar" ] && echo file)" "1:"
has "nothing selected: says so" "$ERR" "tenant acme has no decisions in that selection"
printf '{"id":"late","type":"evidence.stored","tenant":"acme","jurisdiction":"US-OR","occurred_at":"2026-03-09T10:00:00Z","data":{"evidence_id":"W-9","sha512":"%s"}}\n' "$DW" >"$TMP/late"
run "$EDICT" eval "$TMP/late"
run "$EDICT" audit package --tenant acme --out "$TMP/all.tar"
has "past the last checkpoint: says the package is not covered" "$OUT" "NOT covered by a signed checkpoint"
run "$EDICT" audit verify-package "$TMP/events"
is "verify-package of something else: exit 1" "$RC" 1

summary
