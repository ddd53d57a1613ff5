-- tenants/greenleaf/tests/metrc.lua — Greenleaf's 12-hour Metrc window (SOP
-- TT-1, us-ca report_window_hours = 12) on California destruction
-- (waste.recorded) and package movements (inventory.moved), and the Oregon
-- CTS window, which Greenleaf leaves at the pack's 24 hours.
--
-- The CA waste record is the us-ca pack's complete record (jurisdictions/
-- us-ca/tests/waste.lua): waste W-CA-1001, 850 g, destroyed 2026-06-10
-- 10:00 PDT, notes naming Maria Lopez (E-204) and the reason, retention to
-- 2033-06-10. The pack fixtures "recorded 23 h 59 min after: on time" and
-- "recorded exactly 24 h 0 min 0 s after: on time" show the default window;
-- for Greenleaf anything past 12 h is late. The message says both figures,
-- "tenant policy 12 h; statute 24 h, 4 CCR §15049(b)", so the law is never
-- cited for Greenleaf's own 12 h (issue 16); the cite stays the rule's.

local T0 = "2026-06-10T10:00:00-07:00"
local KEEP = "2033-06-10"

-- A US-CA waste.recorded event, in Metrc at `reported` (nil: not yet).
local function waste(id, reported, as_of, tenant)
  return {
    type = "waste.recorded", id = id, tenant = tenant, jurisdiction = "US-CA",
    occurred_at = T0, as_of = as_of,
    data = {
      waste_id = "W-CA-1001", weight_g = 850, waste_type = "plant",
      method = "ground and mixed with soil", reason = "male plants culled",
      recorded_by = { name = "Maria Lopez", employee_id = "E-204" },
      witness = { name = "Sam Ortiz", employee_id = "E-311" },
      metrc_reported_at = reported,
    },
  }
end

-- A US-CA inventory.moved event (the us-ca pack's inventory fixture record).
local function ca_move(id, reported)
  return {
    type = "inventory.moved", id = id, jurisdiction = "US-CA",
    occurred_at = "2026-04-14T15:00:00-07:00",
    data = {
      package_id = "1A4060300003B01000012345", quantity = 2500,
      from = "C11-0000123-LIC vault", to = "C11-0000456-LIC distributor",
      metrc_reported_at = reported,
    },
  }
end

-- A US-OR inventory.moved event (the us-or pack's reports fixture record).
local function or_move(id, reported)
  return {
    type = "inventory.moved", id = id, jurisdiction = "US-OR",
    occurred_at = "2026-03-02T10:00:00-08:00",
    data = { package_id = "1A4FF0300000029000012345", quantity = 24, from = "050-1001234ABC",
      to = "060-1005678DEF", metrc_reported_at = reported },
  }
end

local WASTE_LATE = { "us-ca/waste-metrc-24h" }
local MOVE_LATE = { "us-ca/inventory-metrc-24h" }

return {
  -- destruction (waste.recorded) ----------------------------------------
  { name = "CA waste in Metrc 11 h after: on time for greenleaf",
    event = waste("gl-ca-w-11h", "2026-06-10T21:00:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100, obligations = {}, retention_until = KEEP } },

  { name = "CA waste in Metrc exactly 12 h 0 min 0 s after: on time",
    event = waste("gl-ca-w-12h", "2026-06-10T22:00:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "CA waste in Metrc 12 h + 1 s after: late, major",
    event = waste("gl-ca-w-12h1s", "2026-06-10T22:00:01-07:00"),
    expect = { flag = "yellow", findings = WASTE_LATE, score = 90, obligations = {},
      messages = { "12 h 00 min 01 s after", "deadline 2026-06-10T22:00:00-07:00", "1 s late" } } },

  { name = "CA waste in Metrc 13 h after: late (major) for greenleaf",
    event = waste("gl-ca-w-13h", "2026-06-10T23:00:00-07:00"),
    expect = { flag = "yellow", findings = WASTE_LATE, score = 90, obligations = {},
      retention_until = KEEP,
      messages = { "destruction of waste W-CA-1001", "13 h 00 min after",
        "later than the 12 h window of tenant policy 12 h; statute 24 h, 4 CCR §15049(b)",
        "1 h 00 min late" } } },

  -- The same 13 h entry for a tenant without an overlay: inside the 24 h
  -- of 4 CCR §15049(b), as the us-ca pack fixtures show.
  { name = "contrast: the same 13 h entry for a tenant with no overlay is on time",
    event = waste("gl-ca-w-13h-plain", "2026-06-10T23:00:00-07:00", nil, "no-overlay"),
    expect = { flag = "green", findings = {}, score = 100, obligations = {}, retention_until = KEEP } },

  { name = "CA waste not yet in Metrc: obligation due 12 h after, on the Los Angeles clock",
    event = waste("gl-ca-w-pending", nil),
    expect = { flag = "green", findings = {}, score = 100, retention_until = KEEP,
      obligations = { { action = "record_in_metrc", due = "2026-06-10T22:00:00-07:00" } } } },

  { name = "CA waste not yet in Metrc, as_of exactly 12 h after: still an obligation",
    event = waste("gl-ca-w-pending-edge", nil, "2026-06-10T22:00:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100,
      obligations = { { action = "record_in_metrc", due = "2026-06-10T22:00:00-07:00" } } } },

  { name = "CA waste not yet in Metrc, as_of 12 h + 1 s: overdue, major, no obligation",
    event = waste("gl-ca-w-overdue", nil, "2026-06-10T22:00:01-07:00"),
    expect = { flag = "yellow", findings = WASTE_LATE, score = 90, obligations = {},
      messages = { "not recorded in Metrc", "1 s past due" } } },

  -- package movements (inventory.moved), same window ----------------------
  { name = "CA move in Metrc 11 h after: on time for greenleaf",
    event = ca_move("gl-ca-m-11h", "2026-04-15T02:00:00-07:00"),
    expect = { flag = "green", findings = {}, score = 100, obligations = {}, retention_until = "2033-04-14" } },

  { name = "CA move in Metrc 13 h after: late (major) for greenleaf",
    event = ca_move("gl-ca-m-13h", "2026-04-15T04:00:00-07:00"),
    expect = { flag = "yellow", findings = MOVE_LATE, score = 90, obligations = {},
      messages = { "move of package 1A4060300003B01000012345", "13 h 00 min after" } } },

  -- Oregon is untouched: SOP TT-1 is written for Metrc in California; the
  -- us-or CTS window stays at its 24 h.
  { name = "OR move in CTS 13 h after: on time (greenleaf keeps the us-or 24 h window)",
    event = or_move("gl-or-m-13h", "2026-03-02T23:00:00-08:00"),
    expect = { flag = "green", findings = {}, score = 100, obligations = {}, retention_until = "2033-03-02" } },
}
