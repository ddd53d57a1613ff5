-- jurisdictions/us-md/tests/waste.lua — fixtures for waste records
-- (waste.recorded) in Maryland: only the Metrc window (pack policy on COMAR
-- 14.17.11.03A) and the 2-year retention apply; Oregon's witness/photo and
-- California's destruction notes do not.

local NONE = {}

local function waste(id, occurred_at, over, as_of)
  local data = {
    waste_id = "W-MD-2207", weight_g = 640, waste_type = "post_harvest",
    method = "mixed with cat litter, landfill", reason = "trim waste",
    recorded_by = "D. Reyes",
  }
  for k, v in pairs(over or {}) do
    if v == NONE then data[k] = nil else data[k] = v end
  end
  return {
    type = "waste.recorded", tenant = "bayside", id = id,
    occurred_at = occurred_at, as_of = as_of, data = data,
  }
end

local T0 = "2026-07-02T16:20:00-04:00"
local LATE = { "us-md/waste-metrc-report" }

return {
  { name = "waste entered in Metrc 1 h later: holds, kept 2 years",
    event = waste("md-w-ok", T0, { metrc_reported_at = "2026-07-02T17:20:00-04:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {},
               retention_until = "2028-07-02" } },

  { name = "no witness, no photo, no reason, no employee: not Maryland requirements, holds",
    event = waste("md-w-bare-notes", T0, { reason = NONE, recorded_by = NONE,
      metrc_reported_at = "2026-07-02T17:20:00-04:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "destroyed 26 h before the Metrc entry (the record written later): late, from destroyed_at",
    event = waste("md-w-destroyed", T0, { destroyed_at = "2026-07-01T15:20:00-04:00",
      metrc_reported_at = "2026-07-02T17:20:00-04:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "26 h 00 min after it occurred at 2026-07-01T15:20:00-04:00" } } },

  { name = "a bare-date Metrc entry on the day of the destruction: within 24 h",
    event = waste("md-w-date-same", T0, { metrc_reported_at = "2026-07-02" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "entered 24 h + 1 s later: late, major",
    event = waste("md-w-late", T0, { metrc_reported_at = "2026-07-03T16:20:01-04:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "waste W-MD-2207 was recorded in Metrc", "24 h 00 min 01 s after" } } },

  { name = "not yet entered: obligation due occurred_at + 24 h",
    event = waste("md-w-pending", T0),
    expect = { flag = "green", findings = {}, score = 100,
               obligations = { { action = "record_in_metrc", due = "2026-07-03T16:20:00-04:00" } } } },

  { name = "not entered over the fall DST change: due 2026-11-01T09:00-05:00, overdue at 09:01 EST",
    event = waste("md-w-dst-overdue", "2026-10-31T10:00:00-04:00", nil, "2026-11-01T09:01:00-05:00"),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "due by 2026-11-01T09:00:00-05:00", "1 min past due" } } },

  { name = "leap day 2028-02-29: kept until 2030-02-28",
    event = waste("md-w-leap", "2028-02-29T11:00:00-05:00", { metrc_reported_at = "2028-02-29T12:00:00-05:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {}, retention_until = "2030-02-28" } },

  { name = "empty data: obligation and retention, no Lua error",
    event = { type = "waste.recorded", tenant = "bayside", id = "md-w-empty",
              occurred_at = T0, data = {} },
    expect = { score = 100, flag = "green", findings = {}, retention_until = "2028-07-02",
               obligations = { { action = "record_in_metrc", due = "2026-07-03T16:20:00-04:00" } } } },
}
