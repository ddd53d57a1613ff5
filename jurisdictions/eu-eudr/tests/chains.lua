-- jurisdictions/eu-eudr/tests/chains.lua — realistic supply chains (issue
-- 16, item 1). The plots are tied to the batch by their geolocation in the
-- due-diligence statement (Reg. 2023/1115 Art. 9(1)(d)); the transfers run
-- between the parties that held the goods: cooperative → exporter →
-- importer → processor, never from the plot itself. The complete chain is
-- green, VERIFIED at 100; each single defect gives exactly its own finding
-- and seed 002's deduction (−25 critical, −10 major, −5 minor).

local SMALL = { plot_id = "PLOT-CI-0311", area_ha = 3.2, deforestation_verified = true, commodity = "cocoa",
                geolocation = { type = "Point", coordinates = { -5.547080, 7.539989 } } }
local LARGE = { plot_id = "PLOT-CI-0312", area_ha = 12.5, deforestation_verified = true, commodity = "cocoa",
                geolocation = { type = "Polygon", coordinates = { {
                  { -5.551000, 7.541000 }, { -5.547000, 7.541000 }, { -5.547000, 7.544000 },
                  { -5.551000, 7.544000 }, { -5.551000, 7.541000 } } } } }

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local function tr(id, from, to, date, docs)
  return { transfer_id = id, from = from, to = to, date = date,
           documents = docs or { "DN-" .. id, "RC-" .. id } }
end

-- The complete chain, with `over` replacing fields of the data.
local function batch(id, over)
  local d = {
    batch_id = "B-CI-2027-112", operator_size = "large",
    origin_plots = { SMALL, LARGE },
    transfers = {
      tr("T-1", "COOP-SOUBRE", "EXP-SANPEDRO", "2027-02-01"),
      tr("T-2", "EXP-SANPEDRO", "IMP-ROTTERDAM", "2027-02-20"),
      tr("T-3", "IMP-ROTTERDAM", "PROC-ZAANDAM", "2027-03-10"),
    },
    transformations = {
      { id = "TR-1", inputs = { "B-CI-2027-112" }, outputs = { "B-NL-COCOA-MASS-9" },
        input_kg = 24000, output_kg = 19200, yield_ratio = 0.8 },
    },
  }
  for k, v in pairs(over or {}) do d[k] = v end
  return { type = "batch.verify", tenant = "verdant", id = id,
           occurred_at = "2027-03-15T09:00:00+01:00", data = d }
end

-- The transfers of the complete chain with transfer n replaced.
local function transfers_with(n, t)
  local ts = { tr("T-1", "COOP-SOUBRE", "EXP-SANPEDRO", "2027-02-01"),
               tr("T-2", "EXP-SANPEDRO", "IMP-ROTTERDAM", "2027-02-20"),
               tr("T-3", "IMP-ROTTERDAM", "PROC-ZAANDAM", "2027-03-10") }
  ts[n] = t
  return ts
end

local NONE = {} -- in plots_with: remove the field
local function plots_with(changes)
  local p = copy(LARGE)
  for k, v in pairs(changes) do
    if v == NONE then p[k] = nil else p[k] = v end
  end
  return { SMALL, p }
end

local function findings(...)
  local f = { "eu-eudr/chain-status" }
  for _, r in ipairs { ... } do f[#f + 1] = "eu-eudr/" .. r end
  return f
end

return {
  { name = "complete chain: two geolocated, checked plots; cooperative → exporter → importer → processor, documented, no gap: green, VERIFIED 100",
    event = batch("ch-complete"),
    expect = { flag = "green", score = 100, findings = findings(), retention_until = "2032-03-15",
               messages = { "batch B-CI-2027-112 chain of custody VERIFIED (confidence 100): no gaps, chain complete" } } },

  { name = "the same chain with the cooperative's receipt from the first plot recorded: still 100, no note",
    event = batch("ch-first-mile", { transfers = {
      tr("T-0", "PLOT-CI-0311", "COOP-SOUBRE", "2027-01-15"),
      tr("T-0b", "PLOT-CI-0312", "COOP-SOUBRE", "2027-01-16"),
      tr("T-1", "COOP-SOUBRE", "EXP-SANPEDRO", "2027-02-01"),
      tr("T-2", "EXP-SANPEDRO", "IMP-ROTTERDAM", "2027-02-20"),
      tr("T-3", "IMP-ROTTERDAM", "PROC-ZAANDAM", "2027-03-10") } }),
    expect = { flag = "green", score = 100, findings = findings() } },

  -- ---------------------------------------------------------- one defect each
  { name = "one plot without geolocation: geolocation-missing only, critical, 75 UNVERIFIED",
    event = batch("ch-no-geo", { origin_plots = plots_with { geolocation = NONE } }),
    expect = { flag = "red", score = 75, findings = findings("geolocation-missing"),
               messages = { "origin plot PLOT-CI-0312 is missing valid geolocation", "UNVERIFIED (confidence 75)" } } },

  { name = "the 12.5 ha plot given as a point: geolocation-polygon only, critical, 75",
    event = batch("ch-point", { origin_plots = plots_with {
      geolocation = { type = "Point", coordinates = { -5.549, 7.542 } } } }),
    expect = { flag = "red", score = 75, findings = findings("geolocation-polygon"),
               messages = { "covers 12.5 ha, more than 4 ha" } } },

  { name = "one plot's deforestation check not done: major, 90 PARTIALLY_VERIFIED",
    event = batch("ch-unverified", { origin_plots = plots_with { deforestation_verified = false } }),
    expect = { flag = "yellow", score = 90, findings = findings("deforestation-unverified"),
               messages = { "PARTIALLY_VERIFIED (confidence 90)" } } },

  { name = "forest loss on one plot after the cut-off: critical, 75",
    event = batch("ch-deforested", { origin_plots = plots_with { deforested_at = "2022-08-01" } }),
    expect = { flag = "red", score = 75, findings = findings("deforestation-after-cutoff") } },

  { name = "no transfers at all: custody-missing only, critical, 75",
    event = batch("ch-no-transfers", { transfers = {} }),
    expect = { flag = "red", score = 75, findings = findings("custody-missing"),
               messages = { "no custody transfers recorded" } } },

  { name = "the importer's transfer without documents: transfer-undocumented only, major, 90",
    event = batch("ch-undocumented", { transfers = transfers_with(2,
      tr("T-2", "EXP-SANPEDRO", "IMP-ROTTERDAM", "2027-02-20", {})) }),
    expect = { flag = "yellow", score = 90, findings = findings("transfer-undocumented"),
               messages = { "transfer T-2 missing supporting documents" } } },

  { name = "45 days between exporter and importer: custody-gap minor, 95, still VERIFIED",
    event = batch("ch-gap-minor", { transfers = transfers_with(3,
      tr("T-3", "IMP-ROTTERDAM", "PROC-ZAANDAM", "2027-04-06")) }),
    expect = { flag = "yellow", score = 95, findings = findings("custody-gap"),
               messages = { "45 day gap", "VERIFIED (confidence 95)" } } },

  { name = "95 days between two transfers: custody-gap major, 90",
    event = batch("ch-gap-major", { transfers = transfers_with(3,
      tr("T-3", "IMP-ROTTERDAM", "PROC-ZAANDAM", "2027-05-26")) }),
    expect = { flag = "yellow", score = 90, findings = findings("custody-gap"),
               messages = { "95 day gap", "PARTIALLY_VERIFIED (confidence 90)" } } },

  { name = "the processor's yield does not balance: mass-balance only, major, 90",
    event = batch("ch-mass", { transformations = {
      { id = "TR-1", inputs = { "B-CI-2027-112" }, outputs = { "B-NL-COCOA-MASS-9" },
        input_kg = 24000, output_kg = 21000, yield_ratio = 0.8 } } }),
    expect = { flag = "yellow", score = 90, findings = findings("mass-balance") } },
}
