# test_bounds.sh — params that encode a statute: a pack declares the bound
# ({ default =, max = | min =, cite =, rules = }) and a tenant may tighten
# the figure, not loosen it (a check problem at the tenant's file:line,
# unless it waives every rule the param governs); messages under an
# override quote both figures; a table override merges into the pack's
# table; a tenant's own rules read params of their own; declarations that
# are wrong are check problems at the pack's line.
. tests/cli/lib.sh

T=$TMP/tenants
# --- a window set to 720 h over 4 CCR §15049(b)'s 24 ---------------------
write "$T/loose/policy.lua" <<'EOF'
return {
  jurisdictions = { "US-CA" },
  params = {
    ["us-ca"] = {
      report_window_hours = 720,
    },
  },
}
EOF
run "$EDICT" check --tenants "$T" jurisdictions
is "loosened window: check exits 1" "$RC" 1
has "loosened window: the tenant's file:line, both figures and the cite" "$OUT" \
    "loose/policy.lua:5: params: 'us-ca.report_window_hours' = 720 loosens the statute: at most 24 (4 CCR §15049(b)). A tenant may tighten it, not loosen it; to depart from the law, waive us-ca/waste-metrc-24h, us-ca/inventory-metrc-24h with a written reason"

# waiving one of the two rules is not enough
write "$T/loose/policy.lua" <<'EOF'
return {
  jurisdictions = { "US-CA" },
  params = { ["us-ca"] = { report_window_hours = 720 } },
  waivers = { ["us-ca/waste-metrc-24h"] = "Destruction logged by the county inspector, letter 2026-07" },
}
EOF
run "$EDICT" check --tenants "$T" jurisdictions
is "one of two rules waived: still a problem" "$RC" 1

# waiving every rule it governs, with a reason: accepted
write "$T/loose/policy.lua" <<'EOF'
return {
  jurisdictions = { "US-CA" },
  params = { ["us-ca"] = { report_window_hours = 720 } },
  waivers = {
    ["us-ca/waste-metrc-24h"] = "Destruction logged by the county inspector, letter 2026-07",
    ["us-ca/inventory-metrc-24h"] = "Moves logged by the county inspector, letter 2026-07",
  },
}
EOF
run "$EDICT" check --tenants "$T" jurisdictions
is "every governed rule waived with a reason: check passes" "$RC" 0

# a bound from below: records kept at least 3 years
write "$T/short/policy.lua" <<'EOF'
return {
  jurisdictions = { "US-DOT" },
  params = { ["us-dot"] = {
    query_record_retention_years = 1,
    consent_retention_years = 4,
  } },
}
EOF
run "$EDICT" check --tenants "$T" jurisdictions
has "retention shortened: at least 3 (382.701(e))" "$OUT" \
    "short/policy.lua:4: params: 'us-dot.query_record_retention_years' = 1 loosens the statute: at least 3 (49 CFR 382.701(e))"
lacks "retention lengthened: fine" "$OUT" "consent_retention_years"

# a param declared type = "integer": 3.5 years is no whole number of years
write "$T/short/policy.lua" <<'EOF'
return {
  jurisdictions = { "US-DOT" },
  params = { ["us-dot"] = {
    consent_retention_years = 3.5,
  } },
}
EOF
run "$EDICT" check --tenants "$T" jurisdictions
has "type integer: a fraction is refused at the tenant's line" "$OUT" \
    "short/policy.lua:4: params: 'us-dot.consent_retention_years' must be a whole number, not 3.5"
rm -rf "$T/short" "$T/loose"

# --- messages under an override quote both figures ----------------------
write "$T/tight/policy.lua" <<'EOF'
return { jurisdictions = { "US-CA" }, params = { ["us-ca"] = { report_window_hours = 12 } } }
EOF
write "$TMP/ca.json" <<'EOF'
{"id":"c-1","type":"waste.recorded","tenant":"tight","jurisdiction":"US-CA","occurred_at":"2026-06-10T10:00:00-07:00","data":{"waste_id":"W-1","weight_g":100,"method":"ground","reason":"culled","recorded_by":"M. Lopez","metrc_reported_at":"2026-06-10T23:00:00-07:00"}}
{"id":"c-2","type":"waste.recorded","tenant":"plain","jurisdiction":"US-CA","occurred_at":"2026-06-10T10:00:00-07:00","data":{"waste_id":"W-1","weight_g":100,"method":"ground","reason":"culled","recorded_by":"M. Lopez","metrc_reported_at":"2026-06-11T11:00:00-07:00"}}
EOF
write "$T/plain/policy.lua" <<'EOF'
return { jurisdictions = { "US-CA" } }
EOF
run "$EDICT" eval --tenants "$T" "$TMP/ca.json"
has "tenant's 12 h: the message says both figures" "$OUT" \
    "later than the 12 h window of tenant policy 12 h; statute 24 h, 4 CCR §15049(b)"
has "the statute's own 24 h: the message cites the law alone" "$OUT" \
    "later than the 24 h window of 4 CCR §15049(b)"

# --- a table override merges into the pack's table ----------------------
write "$T/merge/policy.lua" <<'EOF'
return { params = { ["employee-flags"] = { cert_alert_days = { major = 45 } } } }
EOF
: >"$TMP/certs.json"
for d in 2026-04-29 2026-05-09 2026-06-08; do
    printf '{"id":"m-%s","type":"employee.compliance","tenant":"merge","jurisdiction":"US-TX","occurred_at":"2026-03-20T09:00:00-05:00","data":{"employee_id":"E-1","certs":[{"kind":"CDL","expires":"%s"}],"drug_test":{"result":"negative"},"background":{"status":"clear"}}}\n' "$d" "$d" >>"$TMP/certs.json"
done
run "$EDICT" eval --tenants "$T" "$TMP/certs.json"
is "merged alert table: 40 days major (the tenant's 45), 50 minor and 80 info (the pack's 60 and 90)" \
    "$(jv "$OUT" 'D[1].findings[1].severity .. " " .. D[2].findings[1].severity .. " " .. D[3].findings[1].severity')" \
    "major minor info"

# --- a tenant's own rules read params of their own ----------------------
write "$T/own/policy.lua" <<'EOF'
return {
  jurisdictions = { "US-CA" },
  params = { own = { signoff_over_g = 500 } },
  rules = { "rules.lua" },
}
EOF
write "$T/own/rules.lua" <<'EOF'
rule { id = "own/signoff", on = "waste.recorded", severity = "minor", cite = "own SOP 1",
  check = function(e, ctx)
    if (e.data.weight_g or 0) > ctx.params.signoff_over_g then
      return ("waste over %d g needs a sign-off"):format(ctx.params.signoff_over_g)
    end
  end }
EOF
sed 's/"tenant":"tight"/"tenant":"own"/; s/"weight_g":100/"weight_g":900/' "$TMP/ca.json" | head -1 >"$TMP/own.json"
run "$EDICT" check --tenants "$T" jurisdictions rules
is "tenant params of its own: check passes" "$RC" 0
run "$EDICT" eval --tenants "$T" "$TMP/own.json"
has "tenant params of its own: the rule reads them" "$OUT" "waste over 500 g needs a sign-off"
rm -rf "$T/own" "$T/merge" "$T/tight" "$T/plain"

# --- declarations a pack gets wrong --------------------------------------
P=$TMP/packs
mkpack "$P/bp" bp 1 US-XX 2020-01-01 "" 'params = {
    a = { default = 24, max = 24 },
    b = { default = 30, max = 24, cite = "Law 1" },
    c = { default = 5, min = 3, cite = "Law 2", typo = 1 },
    d = { default = 2.5, type = "integer" },
  },'
echo 'rule { id = "bp/r", on = "t.a", severity = "info", cite = "B", check = function() end }' | write "$P/bp/rules.lua"
run "$EDICT" check "$P/bp"
is "bad declarations: check exits 1" "$RC" 1
has "a bound without its statute" "$OUT" "bp/pack.lua:5: params.a: a bound needs the statute it encodes"
has "a default outside its own bound" "$OUT" "bp/pack.lua:6: params.b: the default 30 is outside its own bound"
has "an unknown field" "$OUT" "bp/pack.lua:7: params.c: unknown field 'typo' in a param declaration"
has "an integer param with a fraction as its default" "$OUT" "bp/pack.lua:8: params.d: type \"integer\" needs a whole number as its default"

# --- rules read the default; ctx.bounds names the statute ----------------
mkpack "$P/gp" gp 1 US-XX 2020-01-01 "" 'params = { hours = { default = 24, max = 24, cite = "Law 9" }, plain = 7 },'
write "$P/gp/rules.lua" <<'EOF'
rule { id = "gp/r", on = "t.a", severity = "info", cite = "G",
  check = function(e, ctx)
    return ("%s %s %s %s"):format(ctx.params.hours, ctx.bounds.hours.max, ctx.bounds.hours.cite,
      tostring(ctx.bounds.plain))
  end }
EOF
event g1 >"$TMP/g.json"
run "$EDICT" eval --packs "$P/gp" "$TMP/g.json"
is "a rule reads the default; ctx.bounds the declaration" "$(jv "$OUT" 'D[1].findings[1].message')" "24 24 Law 9 nil"

summary
