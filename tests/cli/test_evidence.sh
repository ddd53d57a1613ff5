# test_evidence.sh — the evidence vault (docs/AUDIT.md, "Evidence vault"):
# `edict evidence put|get|list` and POST/GET /v1/evidence. Bytes stored
# once by SHA-512, encrypted at rest (no plaintext on disk), every upload
# and read in the hash chain, another tenant's digest 404, a flipped byte
# on disk an error naming the digest and never served, 0 bytes and 50 MB
# uploads, an upload cut mid-body leaving nothing, keys never in the vault.
. tests/cli/lib.sh

J=$TMP/journal
V=$J/evidence
KEY=$(openssl rand -hex 32)
export EDICT_EVIDENCE_KEY=$KEY
unset EDICT_EVIDENCE_KEY_FILE EDICT_EVIDENCE_DIR 2>/dev/null || true
sha512() { sha512sum "$1" | cut -d' ' -f1; }

# --- the command line -------------------------------------------------------
printf 'PLAINTEXT-MARKER-%s\n' "$(seq 1 200 | tr '\n' ' ')" >"$TMP/manifest.txt"
D1=$(sha512 "$TMP/manifest.txt")
run "$EDICT" evidence put "$TMP/manifest.txt" --journal "$J" --tenant acme --type manifest --entity waste:W-1
is "put: exit 0, prints the SHA-512 of the bytes" "$RC $(cat "$OUT")" "0 $D1"
check "put: the blob is in the tenant's vault" [ -f "$V/acme/$(echo "$D1" | cut -c1-2)/$D1" ]
if grep -rqa PLAINTEXT-MARKER "$V"; then
    fail "put: no plaintext in the vault" "the marker is readable on disk"
else
    ok "put: no plaintext in the vault"
fi
run "$EDICT" evidence put "$TMP/manifest.txt" --journal "$J" --tenant acme --type manifest --entity waste:W-1
is "put twice: the same digest" "$(cat "$OUT")" "$D1"
has "put twice: says it was kept once" "$ERR" "kept once"
is "put twice: one blob file" "$(find "$V/acme" -type f -name "$D1" | wc -l | tr -d ' ')" 1
: >"$TMP/empty"
run "$EDICT" evidence put "$TMP/empty" --journal "$J" --tenant acme --type photo --entity waste:W-2
is "put 0 bytes: the digest of nothing" "$(cat "$OUT")" "$(sha512 "$TMP/empty")"
run "$EDICT" evidence get "$(cat "$OUT")" --journal "$J" --tenant acme --out "$TMP/empty.out"
check "get 0 bytes: an empty file" [ -f "$TMP/empty.out" ] && [ ! -s "$TMP/empty.out" ]

run "$EDICT" evidence get "$D1" --journal "$J" --tenant acme --out "$TMP/got"
check "get: the exact bytes back" cmp "$TMP/got" "$TMP/manifest.txt"
run "$EDICT" evidence get "$D1" --journal "$J" --tenant beta
is "get from another tenant: exit 1" "$RC" 1
has "get from another tenant: none there" "$ERR" "tenant beta has no evidence $D1"

run "$EDICT" evidence list --journal "$J" --tenant acme
is "list: every upload, in order" "$(jv "$OUT" 'N .. " " .. D[1].size .. " " .. D[1].type .. " " .. D[1].entity .. " " .. tostring(D[1].new) .. " " .. tostring(D[2].new)')" \
    "3 $(wc -c <"$TMP/manifest.txt" | tr -d ' ') manifest waste:W-1 true false"
check "list: who uploaded" grep -q '"by":"cli:' "$OUT"
run "$EDICT" evidence list --journal "$J" --tenant acme --entity waste:W-2
is "list by entity" "$(jv "$OUT" 'N .. " " .. D[1].type')" "1 photo"
run "$EDICT" evidence list --journal "$J" --tenant acme --type manifest --to 2000-01-01
is "list by date: none before they were stored" "$(cat "$OUT")" ""
run "$EDICT" audit verify --journal "$J" --tenant acme
has "uploads and reads are in the hash chain" "$OUT" "tenant acme: 5 entries"

# keys: never in the vault, and the right one only
printf 'acme %s\n' "$KEY" >"$V/keys"
run env -u EDICT_EVIDENCE_KEY "$EDICT" evidence get "$D1" --journal "$J" --tenant acme --evidence-keys "$V/keys"
has "a key file inside the vault is refused" "$ERR" "must not be kept in the evidence folder"
rm -f "$V/keys"
printf '# per tenant\nacme %s\n' "$(openssl rand -hex 32)" >"$TMP/wrong.keys"
run env -u EDICT_EVIDENCE_KEY "$EDICT" evidence get "$D1" --journal "$J" --tenant acme --evidence-keys "$TMP/wrong.keys"
is "a wrong key: exit 1" "$RC" 1
has "a wrong key: the blob does not decrypt, named" "$ERR" "evidence $D1 is damaged"
run env -u EDICT_EVIDENCE_KEY "$EDICT" evidence put "$TMP/empty" --journal "$J" --tenant acme --type photo --entity x
has "no key at all: says how to give one" "$ERR" "no evidence key"

# a flipped byte on disk
cp "$TMP/manifest.txt" "$TMP/m2.txt"
echo tamper-me >>"$TMP/m2.txt"
D2=$(sha512 "$TMP/m2.txt")
run "$EDICT" evidence put "$TMP/m2.txt" --journal "$J" --tenant acme --type manifest --entity waste:W-3
B2="$V/acme/$(echo "$D2" | cut -c1-2)/$D2"
printf 'X' | dd of="$B2" bs=1 seek=40 conv=notrunc 2>/dev/null
run "$EDICT" evidence get "$D2" --journal "$J" --tenant acme
is "a flipped byte: exit 1, nothing written out" "$RC:$(wc -c <"$OUT" | tr -d ' ')" "1:0"
has "a flipped byte: the error names the digest" "$ERR" "evidence $D2 is damaged"

# --- the HTTP API -------------------------------------------------------------
token_hash() { printf '%s\n' "$1" | "$EDICT" serve --hash-token; }
ACME=acme-token-0123456789abcdef
BETA=beta-token-0123456789abcdef
QA=acme-qa-token-0123456789abcdef
BQA=beta-qa-token-0123456789abcdef
BOSS=acme-admin-token-0123456789abcdef
mkpack "$TMP/packs/demo" demo 2026.1 US-XX 2020-01-01 ""
write "$TMP/packs/demo/rules.lua" <<'EOF'
rule { id = "demo/any", on = "t.a", severity = "info", cite = "DEMO-1",
  check = function(e, ctx) end }
EOF
write "$TMP/edict.conf.lua" <<EOF
return {
  listen = "127.0.0.1:0", port_file = "$TMP/port", workers = 2,
  packs = { "$TMP/packs" }, tenants_dir = false,
  journal = "$J", state_dir = "$TMP/state", watch = false,
  reload_runs_fixtures = false, max_body_bytes = 4096,
  max_evidence_bytes = 64 * 1024 * 1024,
  tenants = {
    acme = { token_sha256 = "$(token_hash $ACME)", rate_per_minute = 100000, burst = 100000,
             tokens = { qa = { token_sha256 = "$(token_hash $QA)", role = "auditor" },
                        boss = { token_sha256 = "$(token_hash $BOSS)", role = "admin" } } },
    beta = { token_sha256 = "$(token_hash $BETA)", rate_per_minute = 100000, burst = 100000,
             tokens = { qa = { token_sha256 = "$(token_hash $BQA)", role = "auditor" } } },
  },
}
EOF
"$EDICT" serve --config "$TMP/edict.conf.lua" 2>>"$TMP/server.log" &
PID=$!
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 400 ]; do
    sleep 0.05
    i=$((i + 1))
done
U=http://127.0.0.1:$(cat "$TMP/port" 2>/dev/null)
req() {
    _m=$1
    _p=$2
    shift 2
    ST=$(curl -s -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' -X "$_m" "$@" "$U$_p")
}
acme() { req "$@" -H "Authorization: Bearer $ACME"; }
beta() { req "$@" -H "Authorization: Bearer $BETA"; }
qa() { req "$@" -H "Authorization: Bearer $QA"; }
bqa() { req "$@" -H "Authorization: Bearer $BQA"; }

req POST "/v1/evidence?type=photo&entity=waste:W-9" --data-binary @"$TMP/manifest.txt"
is "POST /v1/evidence without a token: 401" "$ST" 401
acme POST "/v1/evidence?type=photo" --data-binary @"$TMP/manifest.txt"
is "POST /v1/evidence without an entity: 400" "$ST" 400
printf 'photo bytes %s' "$(date +%s%N)" >"$TMP/photo.jpg"
D3=$(sha512 "$TMP/photo.jpg")
acme POST "/v1/evidence?type=photo&entity=waste%3AW-9" --data-binary @"$TMP/photo.jpg"
is "POST /v1/evidence: 201 naming the digest" "$ST $(jv "$TMP/body" 'D[1].digest .. " " .. D[1].entity .. " " .. tostring(D[1].stored)')" "201 $D3 waste:W-9 true"
acme POST "/v1/evidence?type=photo&entity=waste%3AW-9" --data-binary @"$TMP/photo.jpg"
is "the same bytes again: 200, kept once" "$ST $(jv "$TMP/body" 'tostring(D[1].stored)')" "200 false"
beta POST "/v1/evidence?type=photo&entity=empty" --data-binary @"$TMP/empty"
is "POST 0 bytes: 201 and the digest of nothing" "$ST $(jv "$TMP/body" 'D[1].digest .. D[1].size')" "201 $(sha512 "$TMP/empty")0"
acme GET "/v1/evidence/$D3"
is "GET evidence with an evaluate token: 403" "$ST" 403
has "403 names the role" "$TMP/body" "a token with role evaluate may not read evidence"
qa GET "/v1/evidence/$D3"
is "GET /v1/evidence/{digest} with an auditor token: 200" "$ST" 200
check "GET: the exact bytes" cmp "$TMP/body" "$TMP/photo.jpg"
has "GET: octet-stream" "$TMP/hdr" "application/octet-stream"
bqa GET "/v1/evidence/$D3"
is "GET another tenant's digest (its auditor): 404" "$ST" 404
qa GET "/v1/evidence/not-a-digest"
is "GET a malformed digest: 404" "$ST" 404
qa GET "/v1/evidence?entity=waste%3AW-9"
is "GET /v1/evidence?entity=: the two uploads" "$(jv "$TMP/body" 'D[1].count .. " " .. D[1].items[1].digest')" "2 $D3"
bqa GET "/v1/evidence?entity=waste%3AW-9"
is "beta lists none of acme's" "$(jv "$TMP/body" 'D[1].count')" 0
qa GET "/v1/evidence/$D2"
is "GET a damaged blob: 500" "$ST" 500
has "GET a damaged blob: the error names the digest" "$TMP/body" "evidence $D2 is damaged"
lacks "GET a damaged blob: none of its bytes served" "$TMP/body" PLAINTEXT-MARKER

# 50 MB, streamed: the server's peak memory does not grow by the upload
head -c 52428800 /dev/urandom >"$TMP/big.bin"
D4=$(sha512 "$TMP/big.bin")
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$PID/status"; }
before=$(hwm)
t0=$(date +%s%N)
acme POST "/v1/evidence?type=video&entity=batch:B-1" --data-binary @"$TMP/big.bin"
t1=$(date +%s%N)
after=$(hwm)
is "POST 50 MB: 201 and its SHA-512" "$ST $(jv "$TMP/body" 'D[1].digest')" "201 $D4"
echo "# 50 MB upload: $(( (t1 - t0) / 1000000 )) ms; server peak RSS ${before} -> ${after} kB"
check "50 MB: the server's peak memory grew by less than 16 MB (streamed)" \
    [ $((after - before)) -lt 16384 ]
qa GET "/v1/evidence/$D4"
check "GET 50 MB: the exact bytes" cmp "$TMP/body" "$TMP/big.bin"

# an upload cut mid-body: nothing kept, nothing served
head -c 4000000 /dev/urandom >"$TMP/cut.bin"
D5=$(sha512 "$TMP/cut.bin")
curl -s -o /dev/null --limit-rate 400K --max-time 1 -H "Authorization: Bearer $ACME" \
    --data-binary @"$TMP/cut.bin" "$U/v1/evidence?type=photo&entity=cut"
sleep 0.3
qa GET "/v1/evidence/$D5"
is "a cut upload is not served" "$ST" 404
is "a cut upload leaves no file behind" "$(find "$V/acme/tmp" -type f | wc -l | tr -d ' ')" 0
qa GET "/v1/evidence?entity=cut"
is "a cut upload is not journaled" "$(jv "$TMP/body" 'D[1].count')" 0

# roles (README, "Roles"): an auditor evaluates nothing and sees only its
# tenant; a tenant's admin token reloads
event e1 '{}' 2026-02-01T00:00:00Z t.a US-XX acme >"$TMP/e1"
event e2 '{}' 2026-02-01T00:00:00Z t.a US-XX beta >"$TMP/e2"
qa POST /v1/evaluate --data-binary @"$TMP/e1"
is "an auditor token evaluates nothing: 403" "$ST" 403
acme POST /v1/evaluate --data-binary @"$TMP/e1"
is "an evaluate token evaluates" "$ST" 200
DA=$(jv "$TMP/body" 'D[1].decisions[1].decision_id')
beta POST /v1/evaluate --data-binary @"$TMP/e2"
DB=$(jv "$TMP/body" 'D[1].decisions[1].decision_id')
qa GET "/v1/decisions/$DA"
is "an auditor reads its tenant's decisions" "$ST" 200
qa GET "/v1/decisions/$DB"
is "an auditor of acme: beta's decision is 404" "$ST" 404
bqa GET "/v1/decisions/$DA"
is "an auditor of beta: acme's decision is 404" "$ST" 404
qa POST /v1/admin/reload
is "an auditor may not reload: 401" "$ST" 401
req POST /v1/admin/reload -H "Authorization: Bearer $BOSS"
is "a tenant token with the admin role reloads" "$ST" 200
qa POST "/v1/evidence?type=note&entity=audit:A-1" --data-binary @"$TMP/manifest.txt"
is "an auditor may upload evidence (Compliance QA)" "$ST" 200

qa POST "/v1/audit/packages?from=2026-01-01"
is "POST /v1/audit/packages with an auditor token: 200, a tar" "$ST" 200
has "the package's SHA-256 in a header" "$TMP/hdr" "X-Package-Sha256:"
cp "$TMP/body" "$TMP/http-package.tar"
run "$EDICT" audit verify-package "$TMP/http-package.tar"
is "the package from the API verifies" "$RC" 0
acme POST "/v1/audit/packages"
is "an evaluate token may not produce packages: 403" "$ST" 403
bqa POST "/v1/audit/packages?entity=waste%3AW-9"
is "beta's auditor: nothing of acme's entity (404)" "$ST" 404

kill -TERM "$PID" 2>/dev/null
wait "$PID"
run "$EDICT" audit verify --journal "$J" --tenant acme
has "the chain with every upload and read verifies" "$OUT" ", ok"
run "$EDICT" evidence list --journal "$J" --tenant acme --type video
is "the 50 MB upload in the trail, by token" "$(jv "$OUT" 'D[1].size .. " " .. D[1].by')" "52428800 token:acme/default (evaluate)"
run "$EDICT" audit export --journal "$J" --tenant acme
check "every evidence read is journaled, with who" grep -q 'evidence.read.*token:acme/qa (auditor)' "$OUT"
check "every package produced is journaled, with who" grep -q 'edict.package.*token:acme/qa (auditor)' "$OUT"

# retention: a blob is kept 7 years from its upload, and as long as any
# decision naming its digest is kept; archive removes the rest, the
# journal entries (digest and all) stay
mkpack "$TMP/cite/cite" cite 2026.1 US-XX 2020-01-01 "" 'params = { retention_years = 20 },'
write "$TMP/cite/cite/rules.lua" <<'EOF'
local window = require "edict.window"
rule { id = "cite/photo", on = "t.photo", severity = "info", cite = "DEMO-2",
  check = function(e, ctx)
    window.retain_years(e, ctx, "retention_years")
    return { message = "photo on file", severity = "info", details = { sha512 = e.data.sha512 } }
  end }
EOF
event p1 "{\"sha512\":\"$D1\"}" 2026-03-01T00:00:00Z t.photo US-XX acme >"$TMP/p1"
run "$EDICT" eval --journal "$J" --packs "$TMP/cite" "$TMP/p1"
check "a decision citing the manifest's digest, kept 20 years" grep -q '"retention_until":"2046-03-01"' "$OUT"
run "$EDICT" retention status --journal "$J" --tenant acme --as-of 2040-01-01
has "retention status covers blobs: the cited one stays, the rest are past 7 years" "$OUT" \
    "tenant acme: evidence: 5 blobs; 4 past retention on 2040-01-01"
has "retention status: when the cited one may go" "$OUT" "the next may go after 2046-03-01"
run "$EDICT" retention archive --journal "$J" --tenant acme --as-of 2040-01-01
has "retention archive removes the blobs past retention" "$OUT" "4 past retention on 2040-01-01 (removed now"
run "$EDICT" evidence get "$D1" --journal "$J" --tenant acme --out "$TMP/kept"
check "the cited blob is still there, whole" cmp "$TMP/kept" "$TMP/manifest.txt"
run "$EDICT" evidence get "$D3" --journal "$J" --tenant acme
has "a blob past retention is gone" "$ERR" "tenant acme has no evidence $D3"
run "$EDICT" audit export --journal "$J" --tenant acme
check "its upload entry stays in the chain, digest and all" grep -q "\"record\":\"- $D3 " "$OUT"
run "$EDICT" audit verify --journal "$J" --tenant acme
has "the chain still verifies" "$OUT" ", ok"

# a crash mid-upload leaves a temporary file that is never served: swept
# when the vault is next opened, once older than an hour (another node may
# be streaming an upload into the same folder now)
mkdir -p "$V/acme/tmp"
printf x >"$V/acme/tmp/upload-stale1"
touch -d '2 hours ago' "$V/acme/tmp/upload-stale1"
printf x >"$V/acme/tmp/upload-fresh1"
run "$EDICT" evidence get "$D1" --journal "$J" --tenant acme --out "$TMP/kept2"
is "stale upload temporaries are removed, an upload under way is left alone" \
    "$(ls "$V/acme/tmp" | tr '\n' ' ')" "upload-fresh1 "

summary
