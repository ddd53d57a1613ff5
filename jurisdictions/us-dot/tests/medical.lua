-- jurisdictions/us-dot/tests/medical.lua — fixtures for the medical
-- examiner's certificate (391.45): every lead-time edge (today, 30/31,
-- 60/61, 90/91 days), expired yesterday, the 2028 leap day, as_of late in
-- the evening at its own offset, a timestamp for the expiry, and missing or
-- unreadable expiry dates.
--
-- Unless a fixture says otherwise: as_of is Tuesday 2026-03-10 09:00 -05:00
-- and driver D-300's queries are current (next annual query 2027-01-15).

local AS_OF = "2026-03-10T09:00:00-05:00"

-- A driver.status event for D-300 with this medical_cert_expires.
local function driver(expires, as_of)
  return {
    type = "driver.status", occurred_at = as_of or AS_OF,
    data = {
      driver_id = "D-300",
      hired_at = "2025-04-20",
      first_safety_sensitive_at = "2025-05-01T08:00:00-05:00",
      pre_employment_full_query_at = "2025-04-28T10:00:00-05:00",
      last_limited_query_at = "2026-01-15T10:00:00-05:00",
      limited_query_result = "no_info",
      medical_cert_expires = expires,
    },
  }
end

-- The same driver with queries fresh for the leap-day as_of dates.
local function driver_2028(expires, as_of)
  local e = driver(expires, as_of)
  e.data.first_safety_sensitive_at = "2027-05-01T08:00:00-05:00"
  e.data.pre_employment_full_query_at = "2027-04-28T10:00:00-05:00"
  e.data.last_limited_query_at = nil
  e.data.limited_query_result = nil
  return e
end

local MED = "us-dot/medical-certificate"

return {
  { name = "medical: as_of written in UTC past midnight (04:00Z), still the last valid day in Chicago: major, not expired",
    event = driver("2026-03-09", "2026-03-10T04:00:00Z"),
    expect = { flag = "yellow", findings = { MED }, score = 90 } },

  { name = "medical: the same certificate at Chicago's midnight (2026-03-10T05:00Z): expired, critical",
    event = driver("2026-03-09", "2026-03-10T05:00:00Z"),
    expect = { flag = "red", findings = { MED }, score = 75 } },

  { name = "medical: 91 days left: nothing to say",
    event = driver "2026-06-09",
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "medical: 90 days left: info, still green",
    event = driver "2026-06-08",
    expect = { flag = "green", findings = { MED }, score = 100, messages = { "in 90 days" } } },

  { name = "medical: 61 days left: info",
    event = driver "2026-05-10",
    expect = { flag = "green", findings = { MED }, score = 100 } },

  { name = "medical: 60 days left: minor",
    event = driver "2026-05-09",
    expect = { flag = "yellow", findings = { MED }, score = 95 } },

  { name = "medical: 31 days left: minor",
    event = driver "2026-04-10",
    expect = { flag = "yellow", findings = { MED }, score = 95 } },

  { name = "medical: 30 days left: major",
    event = driver "2026-04-09",
    expect = { flag = "yellow", findings = { MED }, score = 90, messages = { "in 30 days" } } },

  { name = "medical: expires today, still valid today: major, not expired",
    event = driver "2026-03-10",
    expect = { flag = "yellow", findings = { MED }, score = 90,
      messages = { "driver D-300", "today (0 days left)" } } },

  { name = "medical: expired yesterday: critical",
    event = driver "2026-03-09",
    expect = { flag = "red", findings = { MED }, score = 75,
      messages = { "expired: last valid day 2026-03-09, 1 day ago" } } },

  { name = "medical: expiry written as a timestamp: its civil date counts (2026-04-09, 30 days)",
    event = driver "2026-04-09T23:59:59-05:00",
    expect = { flag = "yellow", findings = { MED }, score = 90 } },

  { name = "medical: as_of 23:30 -05:00 on the expiry day (04:30Z next day): still today",
    event = driver("2026-03-10", "2026-03-10T23:30:00-05:00"),
    expect = { flag = "yellow", findings = { MED }, score = 90 } },

  { name = "medical: leap day 2028-02-29 seen on the day: major",
    event = driver_2028("2028-02-29", "2028-02-29T08:00:00-06:00"),
    expect = { flag = "yellow", findings = { MED }, score = 90 } },

  { name = "medical: leap day 2028-02-29 seen on 2028-03-01: expired",
    event = driver_2028("2028-02-29", "2028-03-01T08:00:00-06:00"),
    expect = { flag = "red", findings = { MED }, score = 75 } },

  { name = "medical: leap day counted, 2027-12-01 to 2028-02-29 is 90 days: info",
    event = driver_2028("2028-02-29", "2027-12-01T08:00:00-06:00"),
    expect = { flag = "green", findings = { MED }, score = 100 } },

  { name = "medical: leap day counted, 2027-11-30 to 2028-02-29 is 91 days: nothing",
    event = driver_2028("2028-02-29", "2027-11-30T08:00:00-06:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "medical: not recorded: major, no medical certificate on file",
    event = driver(nil),
    expect = { flag = "yellow", findings = { MED }, score = 90,
      messages = { "no medical certificate on file" } } },

  { name = "medical: empty string: same as not recorded",
    event = driver "",
    expect = { flag = "yellow", findings = { MED }, score = 90,
      messages = { "no medical certificate on file" } } },

  { name = "medical: 2026-02-30: major naming the field",
    event = driver "2026-02-30",
    expect = { flag = "yellow", findings = { MED }, score = 90,
      messages = { "medical_cert_expires", "not a valid date" } } },

  { name = "medical: a number: major naming the field",
    event = driver(20270131),
    expect = { flag = "yellow", findings = { MED }, score = 90,
      messages = { "medical_cert_expires is a number" } } },
}
