-- tests/bench/floor.lua — the benchmark floor: what "Lua over JSON" costs
-- with no host. Plain lua5.4 + lua-cjson, no sandbox, no journal: reads the
-- NDJSON file named on the command line, decodes each event, applies the
-- same rules as rules/employee-flags (same ids, thresholds, severities,
-- messages and cites, with its own civil-date arithmetic), and writes one
-- cjson-encoded decision per line to stdout. A bad line gives
-- {"line":N,"error":...} in its place (and on stderr), and exit status 2.
--
--   lua5.4 tests/bench/floor.lua events.ndjson > decisions.ndjson
--
-- Keep in step with rules/employee-flags/*.lua: tests/bench/run.sh compares
-- the two outputs' (event_id, flag) pairs.

local cjson = require "cjson"
local NULL = cjson.null

local PACK = { name = "employee-flags", version = "2026.1", digest = "sha256:floor" }
local ALERT = { major = 30, minor = 60, info = 90 }   -- params.cert_alert_days
local MISSING_DRUG, MISSING_BG = "info", "info"

-- ------------------------------------------------------------------
-- Civil dates (proleptic Gregorian), as in edict.time: a date is the one
-- written, in the timestamp's own offset.
-- ------------------------------------------------------------------

-- Days since 1970-01-01 of y-m-d (H. Hinnant's days_from_civil).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = y // 400                      -- floor division: fine for y < 0
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

local DIM = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

local function leap(y) return y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0) end

-- Parse "YYYY-MM-DD" or an RFC 3339 timestamp. Returns the day number and
-- "YYYY-MM-DD", or nil and a reason.
local function parse_date(s)
  if type(s) ~= "string" then return nil, "not a string" end
  local ys, ms, ds, rest = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)(.*)$")
  if not ys then return nil, "not an RFC 3339 date" end
  local y, m, d = tonumber(ys), tonumber(ms), tonumber(ds)
  if m < 1 or m > 12 then return nil, ("month %d is out of range"):format(m) end
  local dim = (m == 2 and leap(y)) and 29 or DIM[m]
  if d < 1 or d > dim then
    return nil, ("day %d is out of range for %s-%s"):format(d, ys, ms)
  end
  if rest ~= "" then
    local hh, mi, ss, frac, zone = rest:match("^[Tt](%d%d):(%d%d):(%d%d)(%.?%d*)(.*)$")
    if not hh or frac == "." or tonumber(hh) > 23 or tonumber(mi) > 59 or tonumber(ss) > 60 then
      return nil, "bad time of day"
    end
    if zone ~= "Z" and zone ~= "z" then
      local oh, om = zone:match("^[+-](%d%d):(%d%d)$")
      if not oh or tonumber(oh) > 23 or tonumber(om) > 59 then return nil, "bad offset" end
    end
  end
  return days_from_civil(y, m, d), ys .. "-" .. ms .. "-" .. ds
end

-- ------------------------------------------------------------------
-- The rules (mirror rules/employee-flags)
-- ------------------------------------------------------------------

local CITE_CERT = "seed 001 policy: 30/60/90-day certificate expiry alerts"
local CITE_POS = "49 CFR 382.215; 49 CFR 40.191(b) and 382.211 (adulterated/substituted = refusal); "
  .. "49 CFR 382.217; seed 001 policy for employees outside FMCSA rules"
local CITE_DILUTE = "49 CFR 40.197; 49 CFR 40.155(c)"
local CITE_UNRES = "49 CFR 40.207 (cancelled tests); seed 001 policy: drug test results verified by the MRO"
local CITE_DT_MISSING = "seed 001 policy: drug & alcohol testing on record for every employee"
local CITE_BG = "seed 001 policy: background check adjudication (FCRA adverse-action workflow)"
local CITE_BG_MISSING = "seed 001 policy: background check on record for every employee"

local DRUG = {
  negative = "negative",
  positive = "positive", positive_dilute = "positive",
  adulterated = "refusal", substituted = "refusal",
  refusal = "refusal", refused = "refusal", refusal_to_test = "refusal",
  dilute = "dilute", negative_dilute = "dilute",
  cancelled = "cancelled", canceled = "cancelled", invalid = "cancelled",
  pending = "pending",
}

local function plural(n) return n == 1 and "" or "s" end

local function add(out, rule, severity, cite, message, evidence, details)
  out[#out + 1] = { rule = rule, severity = severity, message = message, cite = cite,
    evidence_required = evidence, details = details }
end

local function check_certs(out, d, who, today)
  local certs = d.certs
  if type(certs) ~= "table" then return end
  -- The pack runs its three cert rules one after the other; keep that order.
  local expired, expiring, undated = {}, {}, {}
  for i, c in ipairs(certs) do
    local x = type(c) == "table" and c.expires or nil
    local day, date = parse_date(x)
    local name = type(c) == "table" and type(c.kind) == "string" and c.kind ~= "" and c.kind
      or (type(c) == "table" and ("#%d (kind not recorded)"):format(i) or ("#%d"):format(i))
    if day then
      local left = day - today
      local det = { employee_id = d.employee_id, kind = c.kind, expires = date, days_left = left }
      if left < 0 then
        add(expired, "employee-flags/cert-expired", "critical", CITE_CERT,
          ("certificate %s of employee %s expired: last valid day %s, %d day%s ago; "
            .. "renew it and keep %s off work that requires it until then")
            :format(name, who, date, -left, plural(-left), who),
          { "renewed_certificate" }, det)
      elseif left <= ALERT.info then
        local sev = left <= ALERT.major and "major" or left <= ALERT.minor and "minor" or "info"
        local when = left == 0 and "today (in 0 days)" or ("in %d day%s"):format(left, plural(left))
        add(expiring, "employee-flags/cert-expiring", sev, CITE_CERT,
          ("certificate %s of employee %s expires %s, %s: renew by %s"):format(name, who, date, when, date),
          { "renewed_certificate" }, det)
      end
    else
      local why
      if x == nil then
        why = "no expires date recorded"
      elseif type(x) ~= "string" then
        why = ("expires is a %s, not a date"):format(type(x))
      else
        why = ("expires %q is not a valid date (%s)"):format(x, date)
      end
      add(undated, "employee-flags/cert-undated", "major", CITE_CERT,
        ("certificate %s of employee %s cannot be checked: %s; record the expiry date shown on the certificate")
          :format(name, who, why),
        { "certificate_copy" }, { employee_id = d.employee_id, index = i })
    end
  end
  for _, l in ipairs { expired, expiring, undated } do
    for _, f in ipairs(l) do out[#out + 1] = f end
  end
end

local function check_drug(out, d, who)
  local t = d.drug_test
  local det = { employee_id = d.employee_id }
  if type(t) ~= "table" then
    add(out, "employee-flags/drug-test-missing", MISSING_DRUG, CITE_DT_MISSING,
      ("employee %s has no drug test on record: record the latest verified result"):format(who),
      { "verified_test_result" }, det)
    return
  end
  local r = type(t.result) == "string" and t.result:lower():gsub("[%s%-]+", "_") or nil
  local cat = r and DRUG[r]
  if cat == "negative" then return end
  local when
  local _, date = parse_date(t.date)
  if type(t.date) == "string" and _ then
    when = "dated " .. date
  elseif t.date == nil then
    when = "(date not recorded)"
  else
    when = ("(date %q unreadable)"):format(tostring(t.date))
  end
  if cat == "positive" or cat == "refusal" then
    local what = cat == "positive" and ("is %s"):format(t.result)
      or r:match("^refus") and "was refused"
      or ("is %s, which counts as a refusal to test (49 CFR 40.191(b))"):format(t.result)
    add(out, "employee-flags/drug-test-positive", "critical", CITE_POS,
      ("drug test %s of employee %s %s: remove %s from safety-sensitive duty now; "
        .. "return only after SAP evaluation and a negative return-to-duty test"):format(when, who, what, who),
      { "sap_evaluation", "negative_return_to_duty_test" }, { employee_id = d.employee_id, result = r })
  elseif cat == "dilute" then
    add(out, "employee-flags/drug-test-dilute", "minor", CITE_DILUTE,
      ("drug test %s of employee %s is %s: follow the MRO's direction under 49 CFR 40.197 "
        .. "(immediate directly observed recollection when creatinine was 2-5 mg/dL) and record the new result")
        :format(when, who, t.result),
      { "recollection_result" }, { employee_id = d.employee_id, result = r })
  elseif cat == "cancelled" then
    add(out, "employee-flags/drug-test-unresolved", "minor", CITE_UNRES,
      ("drug test %s of employee %s was %s, so no result is on file: collect a new specimen "
        .. "where a negative result is required"):format(when, who, t.result),
      { "new_test_result" }, { employee_id = d.employee_id, result = r })
  elseif cat == "pending" then
    add(out, "employee-flags/drug-test-unresolved", "info", CITE_UNRES,
      ("drug test %s of employee %s is pending MRO verification: record the verified result"):format(when, who),
      { "verified_test_result" }, { employee_id = d.employee_id, result = r })
  else
    local why = t.result == nil and "no result recorded"
      or ("result %q is not one of negative, positive, adulterated, substituted, refusal, dilute, "
        .. "cancelled, pending"):format(tostring(t.result))
    add(out, "employee-flags/drug-test-unresolved", "major", CITE_UNRES,
      ("drug test %s of employee %s cannot be checked: %s; record the MRO's verified result"):format(when, who, why),
      { "verified_test_result" }, det)
  end
end

local function check_background(out, d, who)
  local b = d.background
  if type(b) ~= "table" then
    add(out, "employee-flags/background-missing", MISSING_BG, CITE_BG_MISSING,
      ("employee %s has no background check on record: order one or record the existing result"):format(who),
      { "adjudication_record" }, { employee_id = d.employee_id })
    return
  end
  local s = type(b.status) == "string" and b.status:lower() or nil
  if s == "clear" then return end
  if s == "adverse" or s == "failed" then
    add(out, "employee-flags/background-adverse", "critical", CITE_BG,
      ("background check of employee %s is %q: %s is not cleared for work; "
        .. "adjudicate and, before any adverse action, give the FCRA pre-adverse-action notice"):format(who, s, who),
      { "adjudication_record" }, { employee_id = d.employee_id, status = s })
  elseif s == "pending" or s == "consider" then
    add(out, "employee-flags/background-unresolved", "minor", CITE_BG,
      ("background check of employee %s is %q: complete the adjudication and record clear or adverse"):format(who, s),
      { "adjudication_record" }, { employee_id = d.employee_id, status = s })
  else
    local why = b.status == nil and "no status recorded"
      or ("status %q is not one of clear, pending, consider, adverse, failed"):format(tostring(b.status))
    add(out, "employee-flags/background-unresolved", "major", CITE_BG,
      ("background check of employee %s cannot be checked: %s; record the screening result"):format(who, why),
      { "adjudication_record" }, { employee_id = d.employee_id })
  end
end

-- ------------------------------------------------------------------
-- Decisions
-- ------------------------------------------------------------------

-- JSON null reads as nil in rules: drop cjson.null from the payload.
local function strip_nulls(t)
  for k, v in pairs(t) do
    if v == NULL then t[k] = nil elseif type(v) == "table" then strip_nulls(v) end
  end
  return t
end

local WEIGHT = { critical = 25, major = 10, minor = 5, info = 0 }
local REQUIRED = { "id", "type", "tenant", "jurisdiction", "occurred_at" }

local function decide(e)
  local findings = {}
  local packs = {}
  local as_of = e.as_of ~= nil and e.as_of ~= NULL and e.as_of or e.occurred_at
  if e.type == "employee.compliance" then
    packs[1] = PACK
    local d = type(e.data) == "table" and strip_nulls(e.data) or {}
    local who = (d.employee_id == nil or d.employee_id == "") and "(no employee_id)" or tostring(d.employee_id)
    local today = parse_date(as_of)
    check_certs(findings, d, who, today)
    check_drug(findings, d, who)
    check_background(findings, d, who)
  end
  local score, red, yellow = 100, false, false
  for _, f in ipairs(findings) do
    local s = f.severity
    score = score - WEIGHT[s]
    if s == "critical" then red = true elseif s ~= "info" then yellow = true end
  end
  if score < 0 then score = 0 end
  local decision = {
    decision_id = "dec-" .. e.tenant .. "-" .. e.id,
    event_id = e.id, tenant = e.tenant, jurisdiction = e.jurisdiction, type = e.type,
    occurred_at = e.occurred_at, as_of = as_of,
    flag = red and "red" or yellow and "yellow" or "green",
    score = score,
    retention_until = NULL,
    packs = packs,
  }
  if #findings > 0 then decision.findings = findings end
  -- lua-cjson 2.1.0 encodes an empty table as {}: splice the empty lists in.
  local json = cjson.encode(decision)
  local tail = #findings > 0 and ',"obligations":[],"waivers":[],"errors":[]}'
    or ',"findings":[],"obligations":[],"waivers":[],"errors":[]}'
  return json:sub(1, -2) .. tail
end

local path = arg[1]
if not path then
  io.stderr:write("usage: lua5.4 tests/bench/floor.lua events.ndjson\n")
  os.exit(2)
end
local f = assert(io.open(path, "r"))
local out = io.stdout
out:setvbuf("full")
local n, bad = 0, 0
for line in f:lines() do
  n = n + 1
  if line:find("%S") then
    local ok, e = pcall(cjson.decode, line)
    local why
    if not ok then
      why = "invalid JSON: " .. tostring(e)
    elseif type(e) ~= "table" then
      why = "not a JSON object"
    else
      for _, k in ipairs(REQUIRED) do
        if type(e[k]) ~= "string" then why = "missing " .. k; break end
      end
      if not why and not parse_date(e.occurred_at) then why = "occurred_at is not RFC 3339" end
      if not why and e.as_of ~= nil and e.as_of ~= NULL and not parse_date(e.as_of) then
        why = "as_of is not RFC 3339"
      end
    end
    if why then
      -- like `edict eval`: the bad line's place holds {"line": N, "error": ...}
      bad = bad + 1
      io.stderr:write(("%s:%d: %s\n"):format(path, n, why))
      out:write(cjson.encode { line = n, error = why }, "\n")
    else
      out:write(decide(e), "\n")
    end
  end
end
f:close()
out:flush()
if bad > 0 then os.exit(2) end
