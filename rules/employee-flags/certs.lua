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
--   * days_left = time.days_between(as_of, expires), both local dates on
--     the employer's clock (params.zone, else the pack's zone, America/
--     Chicago) whatever offset as_of is written in: an as_of of 03:00Z is
--     still the evening before in Chicago. A date-only `expires` is that day.
--   * `certs` is read whole (edict.read.list): a JSON null or a value that
--     is not a certificate record is a cert-undated finding naming it, and
--     reading goes on past it; one object is read as a list of one; a
--     number or text is one cert-undated finding, never a rule error.
--   * expired means days_left < 0; 0..30 major, 31..60 minor, 61..90 info,
--     91 and more nothing (with the default params.cert_alert_days).
--   * one finding per certificate: the three rules below are mutually
--     exclusive on each certificate.
-- luacheck: globals rule

local time = require "edict.time"
local read = require "edict.read"

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

-- The certificates on record (edict.read.list): items (may hold nil), n,
-- the data, and why certs is no list at all (or nil).
local function certs_of(e)
  local d = e.data or {}
  local items, n, problem = read.list(d.certs)
  return items, n, d, problem
end

-- The expires field of certificate c when it is a readable date, else nil.
-- (time.valid gives false, not an error, for nil and non-strings.)
local function expires_of(c)
  local x = read.text(type(c) == "table" and c.expires or nil)
  if x and time.valid(x) then return x end
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
    local certs, n, d = certs_of(e)
    local today = read.today(ctx)
    local out = {}
    for i = 1, n do
      local c = certs[i]
      local x = expires_of(c)
      local date = x and read.day(x, ctx)
      local left = date and time.days_between(today, date)
      if left and left < 0 then
        local who = employee(d)
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
    local certs, n, d = certs_of(e)
    local major, minor, info = lead_times(ctx)
    local today = read.today(ctx)
    local out = {}
    for i = 1, n do
      local c = certs[i]
      local x = expires_of(c)
      local date = x and read.day(x, ctx)
      local left = date and time.days_between(today, date)
      if left and left >= 0 and left <= info then
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
    local certs, n, d, problem = certs_of(e)
    if problem then
      return {
        message = ("certificates of employee %s cannot be checked: certs is %s; record them as "
          .. "a list of {kind, expires}"):format(employee(d), problem),
        evidence_required = { "certificate_copy" },
        details = { employee_id = d.employee_id },
      }
    end
    local out = {}
    for i = 1, n do
      local c = certs[i]
      if not expires_of(c) then
        local x = type(c) == "table" and c.expires or nil
        local why
        if type(c) ~= "table" then
          why = c == nil and "the entry is null, not a certificate record"
            or ("the entry is %s, not a certificate record"):format(read.describe(c))
        elseif x == nil then
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
