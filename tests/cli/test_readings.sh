# test_readings.sh — the readings a pack offers as params, chosen by a
# tenant overlay over the shipped packs: us-or's stricter close_of_day
# count of the OAR 845-025-7750 hold (the pack's fixtures cover the
# default, elapsed), and a hold_reading that is neither.
. tests/cli/lib.sh

T=$TMP/tenants
write "$T/strict/policy.lua" <<'EOF'
return {
  jurisdictions = { "US-OR" },
  params = { ["us-or"] = { hold_reading = "close_of_day" } },
}
EOF
# A complete post-harvest waste record placed on hold at `held` and
# destroyed at `destroyed` (nil: not yet).
write "$T/strict/tests/hold.lua" <<'EOF'
local function event(id, held, destroyed)
  return { type = "waste.recorded", id = id, jurisdiction = "US-OR", occurred_at = destroyed or held, data = {
    waste_id = "W-9", weight_g = 850, waste_type = "post_harvest", reason = "trim",
    method = "grind and mix with soil", held_since = held, destroyed_at = destroyed,
    camera_covered = true, witness = { name = "R. Park", employee_id = "E-12" },
    recorded_by = "E-4", photos = { { sha256 = ("c3"):rep(32) } } } }
end
local HOLD = { "us-or/waste-hold" }
return {
  { name = "close_of_day: placed Tuesday 14:00, destroyed Friday 15:00 is critical",
    event = event("s-1", "2026-03-03T14:00:00-08:00", "2026-03-06T15:00:00-08:00"),
    expect = { flag = "red", findings = HOLD, score = 75,
      messages = { "could be destroyed from 2026-03-07 (from midnight) on (Oregon time, close-of-day reading)" } } },
  { name = "close_of_day: destroyed Friday 23:59:59 is critical",
    event = event("s-2", "2026-03-03T14:00:00-08:00", "2026-03-06T23:59:59-08:00"),
    expect = { flag = "red", findings = HOLD, score = 75 } },
  { name = "close_of_day: destroyed Saturday 00:00 holds",
    event = event("s-3", "2026-03-03T14:00:00-08:00", "2026-03-07T00:00:00-08:00"),
    expect = { flag = "green", findings = {}, score = 100 } },
  { name = "close_of_day: Saturday 00:00 written in UTC holds too",
    event = event("s-4", "2026-03-03T22:00:00Z", "2026-03-07T08:00:00Z"),
    expect = { flag = "green", findings = {}, score = 100 } },
  { name = "close_of_day: Thanksgiving, placed Tuesday 11-24, destroyed Monday 11-30 16:00 is critical",
    event = event("s-5", "2026-11-24T10:00:00-08:00", "2026-11-30T16:00:00-08:00"),
    expect = { flag = "red", findings = HOLD, score = 75 } },
  { name = "close_of_day: Thanksgiving, destroyed Tuesday 12-01 00:00 holds",
    event = event("s-6", "2026-11-24T10:00:00-08:00", "2026-12-01T00:00:00-08:00"),
    expect = { flag = "green", findings = {}, score = 100 } },
  { name = "close_of_day: July 4th observed, placed Wednesday 07-01, destroyed Tuesday 07-07 09:00 is critical",
    event = event("s-7", "2026-07-01T09:00:00-07:00", "2026-07-07T09:00:00-07:00"),
    expect = { flag = "red", findings = HOLD, score = 75 } },
  { name = "close_of_day: July 4th observed, destroyed Wednesday 07-08 00:00 holds",
    event = event("s-8", "2026-07-01T09:00:00-07:00", "2026-07-08T00:00:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100 } },
  { name = "close_of_day: not yet destroyed, obligation due at the next midnight",
    event = event("s-9", "2026-11-24T10:00:00-08:00", nil),
    expect = { flag = "green", findings = {},
      obligations = { { action = "hold_waste_under_camera", due = "2026-12-01T00:00:00-08:00" } } } },
}
EOF
run "$EDICT" test -v --tenants "$T" jurisdictions/us-or
is "close_of_day fixtures: exit 0" "$RC" 0
is "close_of_day fixtures: all nine pass" "$(grep -c '^ok - .*strict/tests/hold.lua' "$OUT")" 9
lacks "close_of_day fixtures: no failure" "$OUT" "FAIL"

# The same Tuesday → Friday 15:00 destruction under the default reading
# holds: the overlay is what makes it critical.
write "$TMP/ev.json" <<'EOF'
{"id":"d-1","type":"waste.recorded","tenant":"plain","jurisdiction":"US-OR","occurred_at":"2026-03-06T15:00:00-08:00","data":{"waste_id":"W-9","weight_g":850,"waste_type":"post_harvest","reason":"trim","method":"grind","held_since":"2026-03-03T14:00:00-08:00","destroyed_at":"2026-03-06T15:00:00-08:00","camera_covered":true,"witness":{"name":"R. Park","employee_id":"E-12"},"recorded_by":"E-4","photos":[{"sha256":"c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"}]}}
EOF
write "$T/plain/policy.lua" <<'EOF'
return { jurisdictions = { "US-OR" } }
EOF
run "$EDICT" eval --tenants "$T" "$TMP/ev.json"
is "elapsed (default): Tuesday 14:00 → Friday 15:00 is green" "$(jv "$OUT" 'D[1].flag')" "green"
sed 's/"tenant":"plain"/"tenant":"strict"/' "$TMP/ev.json" >"$TMP/ev2.json"
run "$EDICT" eval --tenants "$T" "$TMP/ev2.json"
is "close_of_day (tenant strict): the same event is red" "$(jv "$OUT" 'D[1].flag')" "red"

# A reading that is neither: the rule errs, naming the param.
write "$T/odd/policy.lua" <<'EOF'
return { jurisdictions = { "US-OR" }, params = { ["us-or"] = { hold_reading = "strict" } } }
EOF
sed 's/"tenant":"plain"/"tenant":"odd"/' "$TMP/ev.json" >"$TMP/ev3.json"
run "$EDICT" eval --tenants "$T" "$TMP/ev3.json"
has "hold_reading \"strict\": a rule error naming the param" "$OUT" 'params.hold_reading must be \"elapsed\" or \"close_of_day\" (got \"strict\")'

# employee-flags reads certs whole: a JSON null in the list is named and
# the expired certificate after it is still found (a Lua fixture cannot
# hold a null inside a list).
write "$TMP/null.json" <<'EOF'
{"id":"n-1","type":"employee.compliance","tenant":"plain","jurisdiction":"US-OR","occurred_at":"2026-03-20T09:00:00-05:00","data":{"employee_id":"E-17","certs":[{"kind":"CDL","expires":"2026-06-19"},null,{"kind":"HazMat","expires":"2026-03-01"}],"drug_test":{"result":"negative","date":"2026-01-15"},"background":{"status":"clear"}}}
EOF
run "$EDICT" eval --tenants "$T" "$TMP/null.json"
is "certs [cert, null, expired]: the null named, the expired one found" \
    "$(jv "$OUT" '(function() local r = {} for _, f in ipairs(D[1].findings) do r[#r + 1] = f.rule end table.sort(r) return join(r) end)()')" \
    "employee-flags/cert-expired,employee-flags/cert-undated"
has "certs [cert, null, expired]: the null entry is named" "$OUT" "certificate #2 of employee E-17 cannot be checked: the entry is null"
is "certs [cert, null, expired]: red, 65" "$(jv "$OUT" 'D[1].flag .. " " .. D[1].score')" "red 65"

# employee-flags retention: 7 years (seed 001) by default; a tenant that
# lowers it still keeps a positive test 5 years from its date (382.401)
write "$T/short/policy.lua" <<'EOF'
return { jurisdictions = { "US-OR" }, params = { ["employee-flags"] = { retention_years = 1 } } }
EOF
write "$TMP/pos.json" <<'EOF'
{"id":"p-1","type":"employee.compliance","tenant":"plain","jurisdiction":"US-OR","occurred_at":"2026-03-20T09:00:00-05:00","data":{"employee_id":"E-17","drug_test":{"result":"positive","date":"2026-03-02"},"background":{"status":"clear"}}}
{"id":"p-2","type":"employee.compliance","tenant":"short","jurisdiction":"US-OR","occurred_at":"2026-03-20T09:00:00-05:00","data":{"employee_id":"E-17","drug_test":{"result":"positive","date":"2026-03-02"},"background":{"status":"clear"}}}
{"id":"p-3","type":"employee.compliance","tenant":"short","jurisdiction":"US-OR","occurred_at":"2026-03-20T09:00:00-05:00","data":{"employee_id":"E-17","drug_test":{"result":"negative","date":"2026-03-02"},"background":{"status":"clear"}}}
EOF
run "$EDICT" eval --tenants "$T" "$TMP/pos.json"
is "employee-flags retention: 7 years by default" "$(jv "$OUT" 'D[1].retention_until')" "2033-03-20"
is "employee-flags retention: lowered to 1 year, a positive test still 5 years from its date" "$(jv "$OUT" 'D[2].retention_until')" "2031-03-02"
is "employee-flags retention: lowered to 1 year, a negative test 1 year" "$(jv "$OUT" 'D[3].retention_until')" "2027-03-20"

summary
