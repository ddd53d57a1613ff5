-- jurisdictions/us-dot/medical.lua — the driver's medical examiner's
-- certificate (49 CFR 391.45) for driver.status: `medical_cert_expires`.
--
-- 391.45: a driver must be medically examined and certified; the
-- certificate is valid up to 24 months, or less as the examiner sets [U in
-- FACTS.md]. The pack does not check the 24-month length (the event holds
-- only the expiry date); it checks that a certificate is on file and in
-- date, with operator lead-time alerts (seed 001's 30/60/90 days).
-- luacheck: globals rule

local time = require "edict.time"
local F = require "lib.fields"

-- The lead times, checked so a bad tenant override fails with a clear
-- message instead of scoring silently wrong.
local function lead_times(ctx)
  local a = ctx.params.medical_cert_alert_days
  local major, minor, info = a and a.major, a and a.minor, a and a.info
  local function bad(v) return math.type(v) ~= "integer" or v < 0 end
  if bad(major) or bad(minor) or bad(info) then
    error("params.medical_cert_alert_days needs integer major, minor and info lead times (days)", 0)
  end
  if not (major <= minor and minor <= info) then
    error(("params.medical_cert_alert_days must ascend: major %d <= minor %d <= info %d")
      :format(major, minor, info), 0)
  end
  return major, minor, info
end

-- Medical certificate (391.45), critical when expired.
--
-- Readings:
--   * medical_cert_expires is the LAST VALID DAY: expiring today is still
--     valid today (0 days left → major, not expired).
--   * days_left = days_between(as_of's local date, expiry), both on the
--     employer's clock (params.zone, else the pack's zone), whatever offset
--     as_of is written in.
--     < 0 → critical (the driver may not drive: not medically certified);
--     0..30 → major, 31..60 → minor, 61..90 → info, 91+ → nothing
--     (params.medical_cert_alert_days; the alert tiers are operator policy,
--     seed 001, not statute).
--   * Missing (null, absent, "") → major "no medical certificate on file":
--     a DQ-file gap the employer must cure with a copy of the certificate
--     (or, for CDL holders, the CDLIS MVR showing medical status, 391.51),
--     not proof of an uncertified driver, so not critical.
--   * Unreadable (not a date, a number, 2026-02-30) → major naming the
--     field. A timestamp is read as its local date on the employer's clock.
rule {
  id = "us-dot/medical-certificate",
  on = "driver.status",
  severity = "critical",
  cite = "49 CFR 391.45",
  check = function(e, ctx)
    local d = F.data(e)
    local who = F.driver(d)
    local s, x = F.field(d, "medical_cert_expires", "date")
    if s == "bad" then
      return F.bad_field(d, "medical_cert_expires", x, "medical_certificate_copy")
    end
    if s == "absent" then
      return {
        message = ("driver %s: no medical certificate on file (medical_cert_expires not "
          .. "recorded); put a copy of the current medical examiner's certificate in the "
          .. "driver qualification file and record its expiry date"):format(who),
        severity = "major",
        evidence_required = { "medical_certificate_copy" },
        details = { driver_id = d.driver_id },
      }
    end
    local major, minor, info = lead_times(ctx)
    local left = time.days_between(F.today(ctx), F.day(x, ctx))
    local details = { driver_id = d.driver_id, expires = x, days_left = left }
    if left < 0 then
      return {
        message = ("driver %s: medical certificate expired: last valid day %s, %d day%s ago; "
          .. "the driver may not drive until a medical examiner certifies them again")
          :format(who, x, -left, F.plural(left)),
        evidence_required = { "medical_certificate_copy" },
        details = details,
      }
    end
    if left > info then return end
    local sev = left <= major and "major" or left <= minor and "minor" or "info"
    local when = left == 0 and "today (0 days left)"
      or ("in %d day%s"):format(left, F.plural(left))
    return {
      message = ("driver %s: medical certificate expires %s, %s; schedule the medical "
        .. "examination and file the new certificate by %s"):format(who, x, when, x),
      severity = sev,
      evidence_required = { "medical_certificate_copy" },
      details = details,
    }
  end,
}
