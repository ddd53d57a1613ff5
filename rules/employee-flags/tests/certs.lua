-- rules/employee-flags/tests/certs.lua — fixtures for certificate expiry:
-- every lead-time edge (0, 30/31, 60/61, 90/91 days), expired yesterday,
-- the 2028 leap day, as_of in another offset than occurred_at, several
-- certificates at once and unreadable dates.
--
-- Unless a fixture says otherwise: as_of is 2026-03-20 (occurred_at, -05:00),
-- and the drug test and background check are clean, so only the
-- certificates score.

local OCCURRED = "2026-03-20T09:00:00-05:00"

-- An employee.compliance event for employee E-17 with the given certs.
local function event(id, certs, as_of, occurred_at)
  return {
    type = "employee.compliance", jurisdiction = "US-TX", tenant = "acme",
    id = id, occurred_at = occurred_at or OCCURRED, as_of = as_of,
    data = {
      employee_id = "E-17",
      certs = certs,
      drug_test = { result = "negative", date = "2026-01-15" },
      background = { status = "clear" },
    },
  }
end

local function cert(kind, expires) return { kind = kind, expires = expires } end

return {
  { name = "cert valid for 91 more days: nothing to say",
    event = event("cert-91", { cert("CDL", "2026-06-19") }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "cert expiring in 90 days: info, still green",
    event = event("cert-90", { cert("CDL", "2026-06-18") }),
    expect = { flag = "green", findings = { "employee-flags/cert-expiring" }, score = 100 } },

  { name = "cert expiring in 61 days: info",
    event = event("cert-61", { cert("CDL", "2026-05-20") }),
    expect = { flag = "green", findings = { "employee-flags/cert-expiring" }, score = 100 } },

  { name = "cert expiring in 60 days: minor",
    event = event("cert-60", { cert("CDL", "2026-05-19") }),
    expect = { flag = "yellow", findings = { "employee-flags/cert-expiring" }, score = 95 } },

  { name = "cert expiring in 31 days: minor",
    event = event("cert-31", { cert("CDL", "2026-04-20") }),
    expect = { flag = "yellow", findings = { "employee-flags/cert-expiring" }, score = 95 } },

  { name = "cert expiring in 30 days: major",
    event = event("cert-30", { cert("CDL", "2026-04-19") }),
    expect = { flag = "yellow", findings = { "employee-flags/cert-expiring" }, score = 90 } },

  { name = "cert expiring in 12 days: major",
    event = event("cert-12", { cert("CDL", "2026-04-01") }),
    expect = { flag = "yellow", findings = { "employee-flags/cert-expiring" }, score = 90 } },

  { name = "cert expiring today is still valid today: major, not expired",
    event = event("cert-0", { cert("CDL", "2026-03-20") }),
    expect = { flag = "yellow", findings = { "employee-flags/cert-expiring" }, score = 90 } },

  { name = "cert expired yesterday: critical",
    event = event("cert-minus-1", { cert("CDL", "2026-03-19") }),
    expect = { flag = "red", findings = { "employee-flags/cert-expired" }, score = 75 } },

  { name = "cert expired a year ago: critical",
    event = event("cert-minus-365", { cert("HAZMAT", "2025-03-20") }),
    expect = { flag = "red", findings = { "employee-flags/cert-expired" }, score = 75 } },

  { name = "expires written as a timestamp: its civil date counts (2026-04-01, 12 days)",
    event = event("cert-timestamp", { cert("TWIC", "2026-04-01T23:59:59-05:00") }),
    expect = { flag = "yellow", findings = { "employee-flags/cert-expiring" }, score = 90 } },

  { name = "leap day: cert expiring 2028-02-29 seen on 2028-02-28 (1 day): major",
    event = event("leap-1", { cert("CDL", "2028-02-29") }, "2028-02-28T12:00:00-06:00"),
    expect = { flag = "yellow", findings = { "employee-flags/cert-expiring" }, score = 90 } },

  { name = "leap day: cert expiring 2028-02-29 seen on the day itself: major",
    event = event("leap-0", { cert("CDL", "2028-02-29") }, "2028-02-29T08:00:00-06:00"),
    expect = { flag = "yellow", findings = { "employee-flags/cert-expiring" }, score = 90 } },

  { name = "leap day: cert expiring 2028-02-29 seen on 2028-03-01: expired",
    event = event("leap-minus-1", { cert("CDL", "2028-02-29") }, "2028-03-01T08:00:00-06:00"),
    expect = { flag = "red", findings = { "employee-flags/cert-expired" }, score = 75 } },

  { name = "leap day counted: 2027-12-01 to 2028-02-29 is 90 days: info",
    event = event("leap-90", { cert("CDL", "2028-02-29") }, "2027-12-01T08:00:00-06:00"),
    expect = { flag = "green", findings = { "employee-flags/cert-expiring" }, score = 100 } },

  { name = "leap day counted: 2027-11-30 to 2028-02-29 is 91 days: nothing",
    event = event("leap-91", { cert("CDL", "2028-02-29") }, "2027-11-30T08:00:00-06:00"),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "as_of late evening at -05:00 is still 2026-03-20 though UTC is on the 21st: expires today",
    event = event("offset-evening", { cert("CDL", "2026-03-20") },
      "2026-03-20T22:30:00-05:00", "2026-03-21T03:30:00Z"),
    expect = { flag = "yellow", findings = { "employee-flags/cert-expiring" }, score = 90 } },

  -- local dates on the employer's clock (the pack's zone, America/Chicago):
  -- an offset east of UTC cannot pull the day forward
  { name = "as_of 2026-03-21T01:00+05:30 is still the 20th in Chicago: last valid day, major",
    event = event("offset-ahead", { cert("CDL", "2026-03-20") },
      "2026-03-21T01:00:00+05:30", "2026-03-20T19:30:00Z"),
    expect = { flag = "yellow", findings = { "employee-flags/cert-expiring" }, score = 90 } },

  { name = "no as_of: occurred_at 2026-03-21T01:00+09:00 is the 20th in Chicago: major",
    event = event("offset-occurred", { cert("CDL", "2026-03-20") }, nil, "2026-03-21T01:00:00+09:00"),
    expect = { flag = "yellow", findings = { "employee-flags/cert-expiring" }, score = 90 } },

  { name = "as_of in UTC at 04:59Z on the 21st (23:59 CDT on the 20th): still the last valid day",
    event = event("utc-before-midnight", { cert("CDL", "2026-03-20") }, "2026-03-21T04:59:59Z"),
    expect = { flag = "yellow", findings = { "employee-flags/cert-expiring" }, score = 90 } },

  { name = "as_of at 05:00Z on the 21st (Chicago's midnight): expired",
    event = event("utc-midnight", { cert("CDL", "2026-03-20") }, "2026-03-21T05:00:00Z"),
    expect = { flag = "red", findings = { "employee-flags/cert-expired" }, score = 75 } },

  -- real-world input: lists read whole
  -- (a JSON null inside certs cannot be written in a Lua fixture: see
  -- tests/cli/test_readings.sh)
  { name = "certs given as one object: read as a list of one, expired",
    event = event("one-object", cert("CDL", "2026-03-01")),
    expect = { flag = "red", findings = { "employee-flags/cert-expired" }, score = 75 } },

  { name = "certs as a number: refused by the catalogue, naming the field",
    event = event("certs-number", 12),
    expect = { refused = "/data/certs: expected a list, not a number" } },

  { name = "an expiry with stray spaces (\" 2026-03-01 \") is read as the date: expired",
    event = event("expires-spaces", { cert("CDL", " 2026-03-01 ") }),
    expect = { flag = "red", findings = { "employee-flags/cert-expired" }, score = 75 } },

  { name = "several certs: one finding each, worst decides the flag",
    event = event("several", {
      cert("CDL", "2026-03-01"),        -- expired 19 days ago: critical
      cert("HAZMAT", "2026-04-09"),     -- 20 days: major
      cert("FORKLIFT", "2026-05-04"),   -- 45 days: minor
      cert("FIRST_AID", "2026-06-08"),  -- 80 days: info
      cert("TWIC", "2026-10-06"),       -- 200 days: nothing
    }),
    expect = { flag = "red", score = 60, findings = {
      "employee-flags/cert-expired", "employee-flags/cert-expiring",
      "employee-flags/cert-expiring", "employee-flags/cert-expiring" } } },

  { name = "two certs expiring within 30 days: two major findings",
    event = event("two-major", { cert("CDL", "2026-03-25"), cert("DOT_MEDICAL", "2026-04-10") }),
    expect = { flag = "yellow", score = 80, findings = {
      "employee-flags/cert-expiring", "employee-flags/cert-expiring" } } },

  { name = "five expired certs: score floored at 0",
    event = event("floor-zero", {
      cert("CDL", "2026-01-01"), cert("HAZMAT", "2026-01-02"), cert("TWIC", "2026-01-03"),
      cert("FORKLIFT", "2026-01-04"), cert("OSHA_30", "2026-01-05") }),
    expect = { flag = "red", score = 0, findings = {
      "employee-flags/cert-expired", "employee-flags/cert-expired", "employee-flags/cert-expired",
      "employee-flags/cert-expired", "employee-flags/cert-expired" } } },

  { name = "bad date (30 February): cannot be checked, major",
    event = event("bad-date", { cert("CDL", "2026-02-30") }),
    expect = { flag = "yellow", findings = { "employee-flags/cert-undated" }, score = 90 } },

  { name = "expires not a date at all: cannot be checked",
    event = event("bad-text", { cert("FORKLIFT", "next spring") }),
    expect = { flag = "yellow", findings = { "employee-flags/cert-undated" }, score = 90 } },

  { name = "expires as a number: cannot be checked",
    event = event("bad-number", { cert("FORKLIFT", 20260401) }),
    expect = { flag = "yellow", findings = { "employee-flags/cert-undated" }, score = 90 } },

  { name = "cert without expires: cannot be checked",
    event = event("no-expires", { { kind = "OSHA_10" } }),
    expect = { flag = "yellow", findings = { "employee-flags/cert-undated" }, score = 90 } },

  { name = "a bad date does not hide the other certs",
    event = event("bad-and-expired", { cert("CDL", "2026-13-01"), cert("HAZMAT", "2026-03-10") }),
    expect = { flag = "red", score = 65, findings = {
      "employee-flags/cert-undated", "employee-flags/cert-expired" } } },

  { name = "cert without a kind is still checked",
    event = event("no-kind", { { expires = "2026-03-18" } }),
    expect = { flag = "red", findings = { "employee-flags/cert-expired" }, score = 75 } },

  { name = "empty certs list: nothing to check",
    event = event("certs-empty", {}),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "no certs field: nothing to check",
    event = event("certs-absent", nil),
    expect = { flag = "green", findings = {}, score = 100 } },
}
