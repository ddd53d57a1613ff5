-- jurisdictions/us-md/tests/inventory.lua — fixtures for package movements
-- (inventory.moved) in Maryland: the 24 h Metrc window (pack policy on
-- COMAR 14.17.11.03A) at its edges, across both 2026 DST changes in New
-- York and in different offsets; not yet reported; electronic manifests for
-- shipments between licensees (14.17.09.03E); micro dispensaries' transfer
-- before the move (14.17.12.03B).
--
-- Unless a fixture says otherwise: package 1A4FF0300000029000004410 moved
-- from the grow room to the vault at 2026-05-12T14:00:00-04:00.

local NONE = {}

local function move(id, occurred_at, over, as_of)
  local data = {
    package_id = "1A4FF0300000029000004410", quantity = 1200,
    from = "grow room 2", to = "vault",
  }
  for k, v in pairs(over or {}) do
    if v == NONE then data[k] = nil else data[k] = v end
  end
  return {
    type = "inventory.moved", tenant = "bayside", id = id,
    occurred_at = occurred_at, as_of = as_of, data = data,
  }
end

local T0 = "2026-05-12T14:00:00-04:00"
local LATE = { "us-md/inventory-metrc-report" }
local SHIP = { from_license = "G-22-00041", to_license = "D-22-00187",
               from = "Bayside cultivation", to = "Harbor dispensary" }

local function with(t, extra)
  local out = {}
  for k, v in pairs(t) do out[k] = v end
  for k, v in pairs(extra) do out[k] = v end
  return out
end

return {
  -- the reporting window ----------------------------------------------------
  { name = "internal move in Metrc 2 h later: holds, kept 2 years",
    event = move("md-m-ok", T0, { metrc_reported_at = "2026-05-12T16:00:00-04:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {},
               retention_until = "2028-05-12" } },

  { name = "reported exactly 24 h later: on time",
    event = move("md-m-24h", T0, { metrc_reported_at = "2026-05-13T14:00:00-04:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "reported 24 h 1 min later: late, major",
    event = move("md-m-late", T0, { metrc_reported_at = "2026-05-13T14:01:00-04:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "move of package 1A4FF0300000029000004410 from grow room 2 to vault",
                            "24 h 01 min after", "deadline 2026-05-13T14:00:00-04:00" } } },

  -- Spring forward 2026-03-08 02:00 EST -> 03:00 EDT: 2026-03-07T10:00-05:00
  -- (15:00Z) + 24 h = 2026-03-08T15:00Z = 11:00 EDT.
  { name = "DST spring: 10:59 EDT next day is 23 h 59 min of real time: on time",
    event = move("md-m-dst-s", "2026-03-07T10:00:00-05:00", { metrc_reported_at = "2026-03-08T10:59:00-04:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  -- Fall back 2026-11-01 02:00 EDT -> 01:00 EST: 2026-10-31T10:00-04:00
  -- (14:00Z) + 24 h = 2026-11-01T14:00Z = 09:00 EST.
  { name = "DST fall: 09:30 EST next day (wall clock 23 h 30 min) is 24 h 30 min: late",
    event = move("md-m-dst-f", "2026-10-31T10:00:00-04:00", { metrc_reported_at = "2026-11-01T09:30:00-05:00" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "deadline 2026-11-01T09:00:00-05:00", "30 min late" } } },

  { name = "occurred_at in Z, report at -04:00 exactly 24 h later: on time",
    event = move("md-m-z", "2026-05-12T18:00:00Z", { metrc_reported_at = "2026-05-13T14:00:00-04:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {}, retention_until = "2028-05-12" } },

  { name = "not yet reported: obligation due 24 h later on the New York clock",
    event = move("md-m-pending", "2026-05-12T18:00:00Z"),
    expect = { flag = "green", findings = {}, score = 100,
               obligations = { { action = "record_in_metrc", due = "2026-05-13T14:00:00-04:00" } } } },

  { name = "not yet reported, as_of 1 min past the deadline: overdue, major",
    event = move("md-m-overdue", T0, nil, "2026-05-13T14:01:00-04:00"),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {},
               messages = { "not recorded in Metrc", "1 min past due" } } },

  { name = "metrc_reported_at as a number: cannot be checked, major",
    event = move("md-m-number", T0, { metrc_reported_at = 1778608800 }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {}, messages = { "not a timestamp" } } },

  -- electronic manifest ---------------------------------------------------
  { name = "shipment between two licensees with a manifest: holds",
    event = move("md-m-ship-ok", T0, with(SHIP, { manifest_id = "0004518871",
      metrc_reported_at = "2026-05-12T13:30:00-04:00" })),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "shipment between two licensees without a manifest: major",
    event = move("md-m-ship-no-manifest", T0, with(SHIP, { metrc_reported_at = "2026-05-12T13:30:00-04:00" })),
    expect = { flag = "yellow", findings = { "us-md/inventory-manifest" }, score = 90, obligations = {},
               messages = { "shipment from license G-22-00041 to license D-22-00187 without an electronic manifest" } } },

  { name = "move between two rooms of one license: not a shipment, no manifest needed",
    event = move("md-m-same-license", T0, { from_license = "G-22-00041", to_license = "g-22-00041 ",
      metrc_reported_at = "2026-05-12T15:00:00-04:00" }),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "shipment with a manifest number written as a number: holds",
    event = move("md-m-ship-numeric", T0, with(SHIP, { manifest_id = 4518871,
      metrc_reported_at = "2026-05-12T13:30:00-04:00" })),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  -- micro dispensaries: transfer before the move -----------------------------
  { name = "micro dispensary: Metrc transfer completed before the move: holds",
    event = move("md-m-micro-ok", T0, with(SHIP, { license_type = "micro_dispensary",
      manifest_id = "0004518902", metrc_reported_at = "2026-05-12T13:45:00-04:00" })),
    expect = { flag = "green", findings = {}, score = 100, obligations = {} } },

  { name = "micro dispensary: transfer completed 30 min after the move: major (though within 24 h)",
    event = move("md-m-micro-after", T0, { license_type = "Micro-Dispensary",
      metrc_reported_at = "2026-05-12T14:30:00-04:00" }),
    expect = { flag = "yellow", findings = { "us-md/micro-transfer-before-move" }, score = 90, obligations = {},
               messages = { "30 min after the move" } } },

  { name = "micro dispensary: moved with no transfer in Metrc: major, plus the 24 h obligation",
    event = move("md-m-micro-none", T0, { license_type = "micro_dispensary" }),
    expect = { flag = "yellow", findings = { "us-md/micro-transfer-before-move" }, score = 90,
               obligations = { { action = "record_in_metrc", due = "2026-05-13T14:00:00-04:00" } } } },

  { name = "micro dispensary: judged before the move: two obligations, no finding",
    event = move("md-m-micro-ahead", T0, { license_type = "micro_dispensary" }, "2026-05-12T09:00:00-04:00"),
    expect = { flag = "green", findings = {}, score = 100,
               obligations = { { action = "record_in_metrc", due = "2026-05-13T14:00:00-04:00" },
                               { action = "complete_metrc_transfer", due = "2026-05-12T14:00:00-04:00" } } } },

  { name = "micro dispensary with an unreadable Metrc time: one finding, from the window rule",
    event = move("md-m-micro-bad", T0, { license_type = "micro_dispensary", metrc_reported_at = "yesterday" }),
    expect = { flag = "yellow", findings = LATE, score = 90, obligations = {} } },
}
