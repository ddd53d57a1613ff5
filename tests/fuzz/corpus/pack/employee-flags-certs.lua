-- rules/employee-flags/pack.lua — manifest of the shared employee flag pack:
-- the seed 001 workforce-compliance flag scoring for `employee.compliance`
-- events (certificate expiry alerts, drug test results, background checks).
--
-- Which requirement is law and which is operator policy:
--   * 30/60/90-day certificate alerts and green/yellow/red flags: operator
--     policy (seed 001, "Training & Certifications — 30/60/90-day expiration
--     alerts"); the thresholds are params so a tenant can move them.
--   * drug test outcomes: the categories (positive, adulterated, substituted,
--     refusal, dilute, cancelled) and what follows from them come from DOT
--     law (49 CFR 382 and 40). They bind FMCSA-regulated drivers only; for
--     every other employee the same treatment is operator policy (seed 001).
--   * background checks: operator policy (seed 001, "Background Checks —
--     FCRA adjudication, adverse action workflows").
return {
  name = "employee-flags",
  version = "2026.1",
  jurisdiction = "*", -- shared pack: applies to events of any jurisdiction
  title = "Workforce compliance flags: certificate expiry, drug tests, background checks",
  effective_from = "2020-01-01",
  params = {
    -- Lead times in days before a certificate's `expires` date. A cert with
    -- 0..major days left gives a major finding, major+1..minor a minor one,
    -- minor+1..info an info one; further out, nothing. Must be ascending.
    cert_alert_days = { major = 30, minor = 60, info = 90 },
    -- Severity when an employee has no drug test / no background check on
    -- record at all. "info" keeps the flag green (a reminder, not a breach);
    -- a tenant that requires both for every employee can raise it.
    missing_drug_test_severity = "info",
    missing_background_severity = "info",
  },
  rules = { "rules.lua" },
}
--8<--
-- rules/employee-flags/certs.lua — certificate expiry for employee.compliance:
-- expired → critical, expiring within the 30/60/90-day lead times →
-- major/minor/info, unreadable expiry date → major ("cannot be checked").
--
-- Operator policy, not statute: seed 001 ("Training & Certifications —
-- 30/60/90-day expiration alerts", green/yellow/red flags). Whether a given
-- certificate is legally required (a CDL, a DOT medical card under 49 CFR
-- 391.45 …) is for the jurisdiction packs; this pack scores every
-- certificate on record the same way.
--
-- Counting, decided here:
--   * `expires` is the LAST VALID DAY. A certificate expiring today is still
--     valid today: "expires in 0 days" → major, not expired.
--   * days_left = time.days_between(as_of, expires), both taken as the
--     civil dates written (as_of in its own offset), so a late-evening as_of
--     at -05:00 is still that day even when it is already tomorrow in UTC.
--   * expired means days_left < 0; 0..30 major, 31..60 minor, 61..90 info,
--     91 and more nothing (with the default params.cert_alert_days).
--   * one finding per certificate: the three rules below are mutually
--     exclusive on each certificate.
-- luacheck: globals rule

local time = require "edict.time"

local POLICY = "seed 001 policy: 30/60/90-day certificate expiry alerts"

local function employee(d)
  local id = d.employee_id
  if id == nil or id == "" then return "(no employee_id)" end
  return tostring(id)
end

-- The name of certificate number i, for messages.
local function cert_name(c, i)
  if type(c.kind) == "string" and c.kind ~= "" then return c.kind end
  return ("#%d (kind not recorded)"):format(i)
end

-- The certificates on record; JSON null or no field means none.
local function certs_of(e)
  local d = e.data or {}
  return d.certs or {}, d
end

-- The expires field of certificate c when it is a readable date, else nil.
-- (time.valid gives false, not an error, for nil and non-strings.)
local function expires_of(c)
  local x = type(c) == "table" and c.expires or nil
  if time.valid(x) then return x end
  return nil
end

-- The three lead times, checked once per call so a bad tenant override
-- fails with a clear message instead of scoring silently wrong.
local function lead_times(ctx)
  local a = ctx.params.cert_alert_days
  local major, minor, info = a and a.major, a and a.minor, a and a.info
  local function bad(v) return math.type(v) ~= "integer" or v < 0 end
  if bad(major) or bad(minor) or bad(info) then
    error("params.cert_alert_days needs integer major, minor and info lead times (days)", 0)
  end
  if not (major <= minor and minor <= info) then
    error(("params.cert_alert_days must ascend: major %d <= minor %d <= info %d")
      :format(major, minor, info), 0)
  end
  return major, minor, info
end

local function plural(n)
  return n == 1 and "" or "s"
end

rule {
  id = "employee-flags/cert-expired",
  on = "employee.compliance",
  severity = "critical",
  cite = POLICY,
  check = function(e, ctx)
    local certs, d = certs_of(e)
    local today = time.date(ctx.as_of)
    local out = {}
    for i, c in ipairs(certs) do
      local x = expires_of(c)
      local left = x and time.days_between(today, x)
      if left and left < 0 then
        local who, date = employee(d), time.date(x)
        out[#out + 1] = {
          message = ("certificate %s of employee %s expired: last valid day %s, %d day%s ago; "
            .. "renew it and keep %s off work that requires it until then")
            :format(cert_name(c, i), who, date, -left, plural(-left), who),
          evidence_required = { "renewed_certificate" },
          details = { employee_id = d.employee_id, kind = c.kind, expires = date, days_left = left },
        }
      end
    end
    if #out > 0 then return out end
  end,
}

rule {
  id = "employee-flags/cert-expiring",
  on = "employee.compliance",
  severity = "major", -- within the major lead time; minor/info set per finding
  cite = POLICY,
  check = function(e, ctx)
    local certs, d = certs_of(e)
    local major, minor, info = lead_times(ctx)
    local today = time.date(ctx.as_of)
    local out = {}
    for i, c in ipairs(certs) do
      local x = expires_of(c)
      local left = x and time.days_between(today, x)
      if left and left >= 0 and left <= info then
        local date = time.date(x)
        local sev = left <= major and "major" or left <= minor and "minor" or "info"
        local when = left == 0 and "today (in 0 days)"
          or ("in %d day%s"):format(left, plural(left))
        out[#out + 1] = {
          message = ("certificate %s of employee %s expires %s, %s: renew by %s")
            :format(cert_name(c, i), employee(d), date, when, date),
          severity = sev,
          evidence_required = { "renewed_certificate" },
          details = { employee_id = d.employee_id, kind = c.kind, expires = date, days_left = left },
        }
      end
    end
    if #out > 0 then return out end
  end,
}

rule {
  id = "employee-flags/cert-undated",
  on = "employee.compliance",
  severity = "major",
  cite = POLICY,
  check = function(e, ctx)
    local certs, d = certs_of(e)
    local out = {}
    for i, c in ipairs(certs) do
      if not expires_of(c) then
        local x = type(c) == "table" and c.expires or nil
        local why
        if x == nil then
          why = "no expires date recorded"
        elseif type(x) ~= "string" then
          why = ("expires is a %s, not a date"):format(type(x))
        else
          local _, reason = time.valid(x)
          why = ("expires %q is not a valid date (%s)"):format(x, tostring(reason))
        end
        local name = type(c) == "table" and cert_name(c, i) or ("#%d"):format(i)
        out[#out + 1] = {
          message = ("certificate %s of employee %s cannot be checked: %s; "
            .. "record the expiry date shown on the certificate")
            :format(name, employee(d), why),
          evidence_required = { "certificate_copy" },
          details = { employee_id = d.employee_id, index = i },
        }
      end
    end
    if #out > 0 then return out end
  end,
}