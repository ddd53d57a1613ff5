# test_tenants.sh — tenant overlays: jurisdictions, param overrides, own
# rules, waivers, --tenant, the problems `edict check --tenants` reports,
# and how two tenants' decisions differ.
. tests/cli/lib.sh

P=$TMP/packs
write "$P/tp/pack.lua" <<'EOF'
return {
  name = "tp", version = "3", jurisdiction = { "US-XX", "US-YY" },
  effective_from = "2020-01-01",
  params = {
    threshold = 10,
    mode = "strict",
  },
  rules = { "rules.lua" },
}
EOF
write "$P/tp/rules.lua" <<'EOF'
rule { id = "tp/threshold", on = "t.a", severity = "major", cite = "TP-1",
  check = function(e, ctx)
    if (e.data.amount or 0) > ctx.params.threshold then
      return ("amount %d over %d"):format(e.data.amount, ctx.params.threshold)
    end
  end }
rule { id = "tp/waivable", on = "t.a", severity = "critical", cite = "TP-2",
  check = function(e, ctx) if e.data.w then return "waivable finding" end end }
rule { id = "tp/params", on = "t.a", severity = "info", cite = "TP-3",
  check = function(e, ctx)
    if e.data.p then return ("threshold=%d mode=%s"):format(ctx.params.threshold, ctx.params.mode) end
  end }
rule { id = "tp/other-type", on = "t.b", severity = "minor", cite = "TP-4",
  check = function(e, ctx) return "t.b seen" end }
EOF
T=$TMP/tenants
write "$T/acme/policy.lua" <<'EOF'
return {
  jurisdictions = { "US-XX" },
  params = {
    tp = {
      threshold = 100,
    },
  },
  rules = { "own.lua" },
  waivers = {
    ["tp/waivable"] = "accepted risk: documented in ticket CMP-42",
  },
}
EOF
write "$T/acme/own.lua" <<'EOF'
rule { id = "acme/own", on = "t.a", severity = "minor", cite = "ACME-POL-7",
  check = function(e, ctx)
    if (e.data.amount or 0) > 50 then return "acme reviews amounts over 50" end
  end }
EOF
write "$T/beta/policy.lua" <<'EOF'
return { tenant = "beta", title = "beta uses the packs as shipped" }
EOF
E="$EDICT eval --packs $P --tenants $T"

run "$EDICT" check --tenants "$T" "$P"
is "check: sound packs and tenants exit 0" "$RC" 0
has "check: the tenant with its rule and waiver" "$OUT" "ok tenants/acme (tenant acme, 1 rule, 1 waiver)"
has "check: the empty tenant" "$OUT" "ok tenants/beta (tenant beta, 0 rules, 0 waivers)"
has "check: totals" "$OUT" "1 pack, 2 tenants, 0 problems"

# --- the same event for three tenants ----------------------------------------
D='{"amount":60,"w":true,"p":true}'
{
    event e1 "$D" "" t.a US-XX acme
    event e1 "$D" "" t.a US-XX beta
    event e1 "$D" "" t.a US-XX gamma
} >"$TMP/three"
run $E "$TMP/three"
is "tenants: exit 0" "$RC" 0
is "acme: findings (override lifts the threshold; own rule; waiver)" \
    "$(jv "$OUT" 'join(pluck(D[1].findings, "rule"))')" "tp/params,acme/own"
is "acme: ctx.params with the override (and the pack's other params)" \
    "$(jv "$OUT" 'D[1].findings[1].message')" "threshold=100 mode=strict"
sed -n 1p "$OUT" >"$TMP/acme.line"
has "acme: the waived rule in waivers, with its reason" "$TMP/acme.line" \
    '"waivers":[{"rule":"tp/waivable","reason":"accepted risk: documented in ticket CMP-42"}]'
lacks "acme: the waived rule is not in findings" "$TMP/acme.line" '"rule":"tp/waivable","severity"'
is "acme: flag and score" "$(jv "$OUT" 'D[1].flag .. " " .. D[1].score')" "yellow 95"
is "acme: packs name the pack and the overlay" "$(jv "$OUT" 'join(pluck(D[1].packs, "name"))')" "tp,tenant:acme"
is "beta: the pack as shipped" "$(jv "$OUT" 'join(pluck(D[2].findings, "rule"))')" "tp/threshold,tp/waivable,tp/params"
is "beta: default params" "$(jv "$OUT" 'D[2].findings[3].message .. " | " .. D[2].findings[1].message')" "threshold=10 mode=strict | amount 60 over 10"
is "beta: no waivers, red" "$(jv "$OUT" '#D[2].waivers .. " " .. D[2].flag .. " " .. D[2].score')" "0 red 65"
is "gamma (no overlay): decided like beta" "$(jv "$OUT" 'tostring(same(D[2].findings, D[3].findings)) .. " " .. D[3].flag')" "true red"
is "acme vs beta: differ exactly in the fields policy touches" \
    "$(jv "$OUT" '(function() local o = {} for _, k in ipairs(keys(L[1])) do if not same(D[1][k], D[2][k]) then o[#o + 1] = k end end return join(o) end)()')" \
    "decision_id,tenant,flag,score,findings,packs,waivers"
is "beta vs gamma: differ only in who they are" \
    "$(jv "$OUT" '(function() local o = {} for _, k in ipairs(keys(L[2])) do if not same(D[2][k], D[3][k]) then o[#o + 1] = k end end return join(o) end)()')" \
    "decision_id,tenant"

# a waiver shows wherever the rule would have applied, held or not; not elsewhere
{
    event w-held '{"amount":1}' "" t.a US-XX acme
    event w-type '{}' "" t.b US-XX acme
} >"$TMP/waivers"
run $E "$TMP/waivers"
is "waiver: shown when the waived rule would have held" "$(jv "$OUT" '#D[1].waivers .. " " .. D[1].waivers[1].rule')" "1 tp/waivable"
is "waiver: not shown for an event the rule does not apply to" "$(jv "$OUT" '#D[2].waivers .. " " .. join(pluck(D[2].findings, "rule"))')" "0 tp/other-type"

# jurisdictions: acme uses US-XX only; the pack also serves US-YY
{
    event j1 '{}' "" t.a US-YY acme
    event j2 '{"amount":11}' "" t.a US-YY beta
} >"$TMP/juris"
run $E "$TMP/juris"
is "jurisdictions: acme refuses US-YY (exit 2)" "$RC" 2
is "jurisdictions: says which jurisdictions the policy lists" "$(jv "$OUT" 'D[1].error')" \
    "field 'jurisdiction': tenant 'acme' does not use jurisdiction 'US-YY' (its policy lists US-XX)"
is "jurisdictions: beta (no list) takes US-YY" "$(jv "$OUT" 'D[2].tenant .. " " .. D[2].jurisdiction .. " " .. D[2].findings[1].rule')" "beta US-YY tp/threshold"

# a tenant rule may be limited to some jurisdictions
write "$TMP/tj/beta/policy.lua" <<'EOF'
return { rules = { "own.lua" } }
EOF
write "$TMP/tj/beta/own.lua" <<'EOF'
rule { id = "beta/yy-only", on = "t.a", severity = "minor", cite = "BETA-1", jurisdiction = "US-YY",
  check = function() return "beta rule for US-YY" end }
EOF
{ event jx '{}' "" t.a US-XX beta; event jy '{}' "" t.a US-YY beta; } >"$TMP/tj.ndjson"
run "$EDICT" eval --packs "$P" --tenants "$TMP/tj" "$TMP/tj.ndjson"
is "tenant rule with a jurisdiction: only there" "$(jv "$OUT" '#D[1].findings .. " " .. join(pluck(D[2].findings, "rule"))')" "0 beta/yy-only"

# --- --tenant -------------------------------------------------------------------
{
    printf '{"id":"nt","type":"t.a","jurisdiction":"US-XX","occurred_at":"2024-06-01T12:00:00Z","data":{"w":true}}\n'
    event own '{"w":true}' "" t.a US-XX acme
    event foreign '{"w":true}' "" t.a US-XX beta
} >"$TMP/t.ndjson"
run $E --tenant acme "$TMP/t.ndjson"
is "--tenant: exit 2 (one foreign event)" "$RC" 2
is "--tenant: fills a missing tenant" "$(jv "$OUT" 'D[1].tenant .. " " .. #D[1].waivers')" "acme 1"
is "--tenant: the event's own tenant when it matches" "$(jv "$OUT" 'D[2].tenant')" acme
is "--tenant: refuses an event of another tenant" "$(jv "$OUT" 'D[3].line .. " " .. D[3].event_id .. " " .. D[3].error')" \
    "3 foreign field 'tenant': the event belongs to 'beta', not to tenant 'acme'"
has "--tenant: the refusal on stderr" "$ERR" "edict: line 3: field 'tenant': the event belongs to 'beta', not to tenant 'acme'"
run $E "$TMP/t.ndjson"
is "without --tenant: a missing tenant is refused" "$(jv "$OUT" 'D[1].error')" "field 'tenant' is required"

# --- problems check reports -------------------------------------------------------
tcheck() { # NAME POLICY-TEXT EXPECTED-LINE [OWN-RULES]
    rm -rf "$TMP/tc"
    printf '%s\n' "$2" | write "$TMP/tc/$1/policy.lua"
    if [ -n "${4:-}" ]; then
        printf '%s\n' "$4" | write "$TMP/tc/$1/own.lua"
    fi
    cd "$TMP"; run "$EDICT" check --tenants tc "$P"; cd "$ROOT"
    is "check --tenants: $1 exits 1" "$RC" 1
    has "check --tenants: $1 reported" "$OUT" "$3"
}
tcheck noreason 'return {
  waivers = {
    ["tp/waivable"] = "",
  },
}' "tc/noreason/policy.lua:3: waivers: the waiver of 'tp/waivable' needs a written reason (a string of at least 10 characters)"
tcheck shortreason 'return {
  waivers = { ["tp/waivable"] = "ok" },
}' "tc/shortreason/policy.lua:2: waivers: the waiver of 'tp/waivable' needs a written reason"
tcheck notareason 'return {
  waivers = { ["tp/waivable"] = true },
}' "tc/notareason/policy.lua:2: waivers: the waiver of 'tp/waivable' needs a written reason"
tcheck unknownrule 'return {
  waivers = {
    ["tp/no-such-rule"] = "a perfectly good written reason",
  },
}' "tc/unknownrule/policy.lua:3: waivers: no loaded pack has a rule 'tp/no-such-rule'"
tcheck unknownparam 'return {
  params = {
    tp = {
      tresholds = 5,
    },
  },
}' "tc/unknownparam/policy.lua:4: params: pack 'tp' has no param 'tresholds'"
tcheck unknownpack 'return {
  params = {
    nopack = { threshold = 5 },
  },
}' "params: no loaded pack is named 'nopack'"
tcheck paramtype 'return {
  params = {
    tp = {
      threshold = "high",
    },
  },
}' "tc/paramtype/policy.lua:4: params: 'tp.threshold' must keep the type the pack gives it, not a string"
tcheck jurisdiction 'return {
  jurisdictions = { "US-QQ" },
}' "jurisdictions: no loaded pack serves 'US-QQ'"
check "check --tenants: an unserved jurisdiction reported as file:line: message" \
    grep -q "^tc/jurisdiction/policy.lua:2: jurisdictions: no loaded pack serves 'US-QQ'" "$OUT"
tcheck rulename 'return { rules = { "own.lua" } }' \
    "tc/rulename/own.lua:1: rule id 'tp/sneaky' must be 'rulename/<name>'" \
    'rule { id = "tp/sneaky", on = "t.a", severity = "info", cite = "X", check = function() end }'
tcheck foldername 'return {
  tenant = "someone-else",
}' "tc/foldername/policy.lua:2: tenant: 'someone-else' differs from the folder name 'foldername'"
tcheck unknownfield 'return {
  colour = "blue",
}' "tc/unknownfield/policy.lua:2: policy.lua: unknown field 'colour'"
run "$EDICT" check --tenants "$TMP/no-such-tenants" "$P"
is "check --tenants: a missing folder exits 1" "$RC" 1

# a tenant with a problem is not used to decide: eval refuses to run
rm -rf "$TMP/tc"
printf 'return { waivers = { ["tp/waivable"] = "" } }\n' | write "$TMP/tc/acme/policy.lua"
run "$EDICT" eval --packs "$P" --tenants "$TMP/tc" "$TMP/three"
is "eval with a broken tenant: exit 1, nothing decided" "$RC:$(wc -c <"$OUT")" "1:0"

# --- a tenant named like a pack -------------------------------------------------
# An overlay's rules run after the packs'; an overlay whose folder happens to
# share a pack's name must not take that pack's place.
rm -rf "$TMP/tc"
write "$TMP/tc/tp/policy.lua" <<'EOF'
return { rules = { "own.lua" } }
EOF
write "$TMP/tc/tp/own.lua" <<'EOF'
rule { id = "tp/extra", on = "t.a", severity = "info", cite = "TENANT-TP",
  check = function(e, ctx) return "tenant tp's own rule" end }
EOF
run "$EDICT" check --tenants "$TMP/tc" "$P"
is "tenant named like a pack: check passes" "$RC" 0
event same-name '{"amount":60}' "" t.a US-XX tp >"$TMP/tp.ndjson"
run "$EDICT" eval --packs "$P" --tenants "$TMP/tc" "$TMP/tp.ndjson"
is "tenant named like a pack: the pack's rules still run" "$(jv "$OUT" 'join(pluck(D[1].findings, "rule"))')" "tp/threshold,tp/extra"
is "tenant named like a pack: both in packs" "$(jv "$OUT" 'join(pluck(D[1].packs, "name"))')" "tp,tenant:tp"

# an overlay's problems come in one pass, each at the line of its entry:
# its own (a waiver without a reason) and the cross-checks (a pack that is
# not loaded, written ["name"] = { ... } on one line; a param the pack lacks)
rm -rf "$TMP/one"
write "$TMP/one/zed/policy.lua" <<'EOF'
return {
  jurisdictions = { "US-XX" },
  params = {
    tp = {
      no_such_param = 5,
    },
    ["tp-nowhere"] = { x = 1 },
  },
  waivers = {
    ["tp/threshold"] = "x",
  },
}
EOF
run "$EDICT" check --tenants "$TMP/one" "$P"
has "one pass: the overlay's own problem, at its line" "$OUT" "zed/policy.lua:10: waivers: the waiver of 'tp/threshold' needs a written reason"
has "one pass: a pack not loaded, at its entry's line" "$OUT" "zed/policy.lua:7: params: no loaded pack is named 'tp-nowhere'"
has "one pass: a param the pack lacks, at its line" "$OUT" "zed/policy.lua:5: params: pack 'tp' has no param 'no_such_param'"
is "one pass: three problems" "$(tail -1 "$OUT" | cut -d, -f1-3)" "1 pack, 0 tenants, 3 problems"

# a tenant's limits may lower the host's, never raise them (issue 10, 6)
mkpack "$TMP/lp/big" big 1 US-XX
write "$TMP/lp/big/rules.lua" <<'EOF2'
rule { id = "big/alloc", on = "t.a", severity = "info", cite = "test limits",
  check = function(e) local s = string.rep("x", 64 * 1024 * 1024); return {} end }
EOF2
printf 'return { limits = { memory_mb = 512 } }\n' | write "$TMP/lt/acme/policy.lua"
event big1 >"$TMP/big.ndjson"
run "$EDICT" eval --packs "$TMP/lp" --tenants "$TMP/lt" --limit-memory 16 \
    --limit-instructions 100000000 --no-journal "$TMP/big.ndjson"
is "an overlay asking for 512 MiB gets the host's 16 MiB" "$(jv "$OUT" 'D[1].errors[1].limit')" "memory"
printf 'return { limits = { instructions = 1000 } }\n' | write "$TMP/lt/acme/policy.lua"
run "$EDICT" eval --packs "$TMP/lp" --tenants "$TMP/lt" --limit-instructions 100000000 \
    --no-journal "$TMP/big.ndjson"
is "an overlay may lower a limit" "$(jv "$OUT" 'D[1].errors[1].limit')" "instructions"

# a tenant's fixture without a jurisdiction takes the tenant's only one
mkpack "$TMP/fj/xx" xx 1 US-XX
write "$TMP/fj/xx/rules.lua" <<'EOF2'
rule { id = "xx/big", on = "t.a", severity = "major", cite = "test",
  check = function(e) if (e.data.n or 0) > 5 then return "big" end end }
EOF2
printf 'return { jurisdictions = { "US-XX" } }\n' | write "$TMP/fjt/solo/policy.lua"
write "$TMP/fjt/solo/tests/t.lua" <<'EOF2'
return { { name = "no jurisdiction written", event = { type = "t.a",
  occurred_at = "2026-01-01T00:00:00Z", data = { n = 9 } },
  expect = { flag = "yellow", findings = { "xx/big" } } } }
EOF2
run "$EDICT" test --packs "$TMP/fj" --tenants "$TMP/fjt" "$TMP/fjt/solo"
is "a tenant fixture takes the tenant's only jurisdiction" "$RC:$(tail -1 "$OUT")" "0:1 passed, 0 failed"

summary
