-- jurisdictions/us-ca/tests/inventory.lua — fixtures for package movements
-- (inventory.moved) recorded in Metrc within 24 h (4 CCR §15049(b)): the
-- window's edges, both 2026 DST changes in Los Angeles, offsets, not yet
-- recorded, an unreadable report time and missing optional fields.
--
-- Unless a fixture says otherwise: package 1A4060300003B01000012345 moved
-- from the licensee's vault to a distributor at 2026-04-14T15:00:00-07:00.

local NONE = {}

local function move(id, occurred_at, over, as_of)
  local data = {
    package_id = "1A4060300003B01000012345", quantity = 2500,
    from = "C11-0000123-LIC vault", to = "C11-0000456-LIC distributor",
  }
  for k, v in pairs(over or {}) do
    if v == NONE then data[k] = nil else data[k] = v end
  end
  return {
    type = "inventory.moved", tenant = "greenleaf", id = id,
    occurred_at = occurred_at, as_of = as_of, data = data,
  }
end

local T0 = "2026-04-14T15:00:00-07:00"
local LATE = { "us-ca/inventory-metrc-24h" }

return {
  { name = "move recorded in Metrc 40 min later: holds, kept 7 years",
    event = move("ca-m-ok", T0, { metrc_reported_at = "2026-04-14T15:40:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {},
               retention_until = "2033-04-14" } },

  { name = "move recorded 23 h 59 min later: on time",
    event = move("ca-m-2359", T0, { metrc_reported_at = "2026-04-15T14:59:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "move recorded exactly 24 h later: on time",
    event = move("ca-m-24h", T0, { metrc_reported_at = "2026-04-15T15:00:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "move recorded 24 h 1 min later: late, major, names package and route",
    event = move("ca-m-late", T0, { metrc_reported_at = "2026-04-15T15:01:00-07:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "move of package 1A4060300003B01000012345 from C11-0000123-LIC vault",
                            "24 h 01 min after" } } },

  { name = "move created in Metrc before it happened (transfer made ahead): on time",
    event = move("ca-m-ahead", T0, { metrc_reported_at = "2026-04-14T09:00:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  -- Spring forward 2026-03-08: 2026-03-07T20:00-08:00 (04:00Z on the 8th)
  -- + 24 h = 2026-03-09T04:00Z = 2026-03-08T21:00-07:00.
  { name = "DST spring: 20:59 PDT next evening is 23 h 59 min of real time: on time",
    event = move("ca-m-dst-s-ok", "2026-03-07T20:00:00-08:00",
      { metrc_reported_at = "2026-03-08T20:59:00-07:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "DST spring: 21:01 PDT next evening is 24 h 1 min: late",
    event = move("ca-m-dst-s-late", "2026-03-07T20:00:00-08:00",
      { metrc_reported_at = "2026-03-08T21:01:00-07:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "deadline 2026-03-08T21:00:00-07:00" } } },

  -- Fall back 2026-11-01: 2026-10-31T20:00-07:00 (03:00Z on 1 Nov) + 24 h
  -- = 2026-11-02T03:00Z = 2026-11-01T19:00-08:00.
  { name = "DST fall: 19:00 PST next evening is exactly 24 h (wall clock 23 h): on time",
    event = move("ca-m-dst-f-ok", "2026-10-31T20:00:00-07:00",
      { metrc_reported_at = "2026-11-01T19:00:00-08:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "DST fall: 19:59 PST next evening (wall clock 23 h 59 min) is 24 h 59 min: late",
    event = move("ca-m-dst-f-late", "2026-10-31T20:00:00-07:00",
      { metrc_reported_at = "2026-11-01T19:59:00-08:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {}, messages = { "24 h 59 min after" } } },

  { name = "not yet recorded across the fall DST change: obligation due 19:00 PST",
    event = move("ca-m-pending-dst", "2026-10-31T20:00:00-07:00", nil, "2026-11-01T08:00:00-08:00"),
    expect = { flag = "green", findings = {}, score = 100,
               obligations = { { action = "record_in_metrc", due = "2026-11-01T19:00:00-08:00" } } } },

  { name = "occurred_at at -07:00, report written in Z exactly 24 h later: on time",
    event = move("ca-m-z-ok", T0, { metrc_reported_at = "2026-04-15T22:00:00Z" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "occurred_at at -07:00, report written in Z 24 h 1 s later: late",
    event = move("ca-m-z-late", T0, { metrc_reported_at = "2026-04-15T22:00:01Z" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {} } },

  { name = "not yet recorded two days on: overdue, major",
    event = move("ca-m-overdue", T0, nil, "2026-04-16T15:00:00-07:00"),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "is not recorded in Metrc", "24 h 00 min past due" } } },

  { name = "metrc_reported_at as a list: refused by the catalogue, naming the field",
    event = move("ca-m-list", T0, { metrc_reported_at = { "2026-04-14T16:00:00-07:00" } }),
    expect = { refused = "/data/metrc_reported_at: expected an RFC 3339 timestamp, not a list" } },

  { name = "only the catalogue's required minimum (no package_id, from, to, quantity): obligation, no Lua error",
    event = { type = "inventory.moved", tenant = "greenleaf", id = "ca-m-bare",
              occurred_at = T0, data = {} },
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2033-04-14",
               obligations = { { action = "record_in_metrc", due = "2026-04-15T15:00:00-07:00" } } } },
}
