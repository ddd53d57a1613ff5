-- jurisdictions/eu-eudr/tests/origin.lua — fixtures for the origin plots of
-- batch.verify: no plots, a plot without id, missing or malformed
-- geolocation, the 4 ha polygon threshold (exactly 4 ha, just over, cattle,
-- area unknown), deforestation verification and the 31 Dec 2020 cut-off
-- (on the day, the day after, a timestamp in another offset, unreadable).
--
-- Each batch has a clean custody chain (plot → cooperative → exporter →
-- importer, documented, 16 and 21 days apart) unless a fixture says
-- otherwise, so only the origin rules and chain-status speak. Every
-- in-force batch.verify also gets the chain-status info finding.

local NONE = {} -- in an override: remove the field

local function plot(id, over)
  local p = { plot_id = id, area_ha = 2.5, deforestation_verified = true, commodity = "cocoa",
              geolocation = { type = "Point", coordinates = { -5.412345, 6.834567 } } }
  for k, v in pairs(over or {}) do
    if v == NONE then p[k] = nil else p[k] = v end
  end
  return p
end

local function chain_from(first)
  return {
    { transfer_id = "T-1", from = first, to = "COOP-SOUBRE", date = "2027-03-01", documents = { "DN-1101" } },
    { transfer_id = "T-2", from = "COOP-SOUBRE", to = "EXP-SANPEDRO", date = "2027-03-17", documents = { "DN-1140" } },
    { transfer_id = "T-3", from = "EXP-SANPEDRO", to = "IMP-ANTWERP", date = "2027-04-07", documents = { "BL-7710" } },
  }
end

-- A batch.verify event for batch B-2027-031 from the given plots.
local function batch(id, plots, over)
  local d = { batch_id = "B-2027-031", operator_size = "large", origin_plots = plots,
              transfers = chain_from("PLOT-CI-0042") }
  for k, v in pairs(over or {}) do
    if v == NONE then d[k] = nil else d[k] = v end
  end
  return { type = "batch.verify", tenant = "verdant", id = id,
           occurred_at = "2027-04-12T10:00:00+02:00", data = d }
end

local function findings(...)
  local f = { "eu-eudr/chain-status" }
  for _, r in ipairs { ... } do f[#f + 1] = "eu-eudr/" .. r end
  return f
end

local SQUARE = { { { -5.41, 6.83 }, { -5.40, 6.83 }, { -5.40, 6.84 }, { -5.41, 6.84 }, { -5.41, 6.83 } } }

return {
  -- ---------------------------------------------------------- plots
  { name = "no origin_plots: critical, and no custody-origin finding on top",
    event = batch("or-none", NONE),
    expect = { flag = "red", score = 75, findings = findings("origin-missing"),
               messages = { "batch B-2027-031 declares no origin plots", "UNVERIFIED (confidence 75)" } } },

  { name = "origin_plots is text, not a list: refused by the catalogue, naming the field",
    event = batch("or-text", "PLOT-CI-0042"),
    expect = { refused = "/data/origin_plots: expected a list, not text" } },

  { name = "a plot without plot_id: critical, and nothing else said of it (seed: continue)",
    event = batch("or-no-id", { plot("PLOT-CI-0042"), plot(nil, { geolocation = NONE, deforestation_verified = false }) }),
    expect = { flag = "red", score = 75, findings = findings("origin-missing"),
               messages = { "origin plot #2 has no plot_id" } } },

  -- ---------------------------------------------------------- geolocation
  { name = "plot without geolocation: critical",
    event = batch("geo-missing", { plot("PLOT-CI-0042", { geolocation = NONE }) }),
    expect = { flag = "red", score = 75, findings = findings("geolocation-missing"),
               messages = { "PLOT-CI-0042 is missing valid geolocation (no geolocation recorded)" } } },

  { name = "geolocation as a text 'lat,lon': refused by the catalogue, naming the plot",
    event = batch("geo-text", { plot("PLOT-CI-0042", { geolocation = "6.834567,-5.412345" }) }),
    expect = { refused = "/data/origin_plots/0/geolocation: expected an object, not text" } },

  { name = "latitude out of range (lon/lat swapped past 90): critical",
    event = batch("geo-range", { plot("PLOT-CI-0042", { geolocation = { type = "Point", coordinates = { 6.8, -95.4 } } }) }),
    expect = { flag = "red", score = 75, findings = findings("geolocation-missing") } },

  { name = "polygon ring not closed: critical",
    event = batch("geo-open-ring", { plot("PLOT-CI-0042", { area_ha = 9, geolocation = { type = "Polygon",
      coordinates = { { { -5.41, 6.83 }, { -5.40, 6.83 }, { -5.40, 6.84 }, { -5.41, 6.84 } } } } }) }),
    expect = { flag = "red", score = 75, findings = findings("geolocation-missing"),
               messages = { "ring 1 is not closed" } } },

  { name = "unknown geometry type (LineString): critical",
    event = batch("geo-line", { plot("PLOT-CI-0042", { geolocation = { type = "LineString",
      coordinates = { { -5.41, 6.83 }, { -5.40, 6.84 } } } }) }),
    expect = { flag = "red", score = 75, findings = findings("geolocation-missing") } },

  { name = "MultiPolygon of a 12 ha plot: valid, nothing to say",
    event = batch("geo-multi", { plot("PLOT-CI-0042", { area_ha = 12, geolocation = { type = "MultiPolygon",
      coordinates = { SQUARE, SQUARE } } }) }),
    expect = { flag = "green", score = 100, findings = findings() } },

  -- ---------------------------------------------------------- 4 ha polygon rule
  { name = "exactly 4 ha as a point: allowed (the rule is MORE than 4 ha)",
    event = batch("poly-4", { plot("PLOT-CI-0042", { area_ha = 4 }) }),
    expect = { flag = "green", score = 100, findings = findings() } },

  { name = "4.01 ha as a point: a polygon is required, critical",
    event = batch("poly-4.01", { plot("PLOT-CI-0042", { area_ha = 4.01 }) }),
    expect = { flag = "red", score = 75, findings = findings("geolocation-polygon"),
               messages = { "covers 4.01 ha, more than 4 ha" } } },

  { name = "12 ha as a polygon: fine",
    event = batch("poly-12-polygon", { plot("PLOT-CI-0042", { area_ha = 12,
      geolocation = { type = "Polygon", coordinates = SQUARE } }) }),
    expect = { flag = "green", score = 100, findings = findings() } },

  { name = "commodity \"cattle \" with a trailing space is cattle: a point is fine",
    event = batch("poly-cattle-space", { plot("FARM-BR-MT-78", { area_ha = 40, commodity = "cattle " }) }),
    expect = { flag = "green", score = 100, findings = findings() } },

  { name = "cattle: a 40 ha pasture may be a point",
    event = batch("poly-cattle", { plot("FARM-BR-MT-77", { area_ha = 40, commodity = "Cattle" }) },
      { transfers = chain_from("FARM-BR-MT-77") }),
    expect = { flag = "green", score = 100, findings = findings() } },

  { name = "a point without area_ha: cannot be checked, minor (VERIFIED at 95)",
    event = batch("poly-no-area", { plot("PLOT-CI-0042", { area_ha = NONE }) }),
    expect = { flag = "yellow", score = 95, findings = findings("geolocation-polygon"),
               messages = { "area_ha is not recorded", "VERIFIED (confidence 95)" } } },

  { name = "area_ha \"12.5\" as text: read as the number, a point is not enough, critical",
    event = batch("poly-area-numtext", { plot("PLOT-CI-0042", { area_ha = "12.5" }) }),
    expect = { flag = "red", score = 75, findings = findings("geolocation-polygon"),
               messages = { "covers 12.5 ha, more than 4 ha" } } },

  { name = "area_ha as text that is no number (\"6 ha\"): cannot be checked, minor, no rule error",
    event = batch("poly-area-text", { plot("PLOT-CI-0042", { area_ha = "6 ha" }) }),
    expect = { flag = "yellow", score = 95, findings = findings("geolocation-polygon") } },

  -- ---------------------------------------------------------- deforestation
  { name = "deforestation not verified (false): major",
    event = batch("def-false", { plot("PLOT-CI-0042", { deforestation_verified = false }) }),
    expect = { flag = "yellow", score = 90, findings = findings("deforestation-unverified"),
               messages = { "PARTIALLY_VERIFIED (confidence 90)" } } },

  { name = "deforestation_verified as text 'true': not verified, major",
    event = batch("def-text", { plot("PLOT-CI-0042", { deforestation_verified = "true" }) }),
    expect = { flag = "yellow", score = 90, findings = findings("deforestation-unverified") } },

  { name = "forest loss on the cut-off day 2020-12-31: deforestation-free",
    event = batch("cut-on", { plot("PLOT-CI-0042", { deforested_at = "2020-12-31" }) }),
    expect = { flag = "green", score = 100, findings = findings() } },

  { name = "forest loss on 2021-01-01, one day after the cut-off: critical",
    event = batch("cut-after", { plot("PLOT-CI-0042", { deforested_at = "2021-01-01" }) }),
    expect = { flag = "red", score = 75, findings = findings("deforestation-after-cutoff"),
               messages = { "lost forest on 2021-01-01, 1 day after the 2020-12-31 cut-off" } } },

  { name = "timestamp at 23:30 -05:00 on 31 Dec 2020 is 1 Jan 2021 in Brussels: after the cut-off, critical",
    event = batch("cut-offset", { plot("PLOT-CI-0042", { deforested_at = "2020-12-31T23:30:00-05:00" }) }),
    expect = { flag = "red", score = 75, findings = findings("deforestation-after-cutoff") } },

  { name = "the last minute of the cut-off day in Brussels, written in UTC (2020-12-31T22:59Z): fine",
    event = batch("cut-utc", { plot("PLOT-CI-0042", { deforested_at = "2020-12-31T22:59:00Z" }) }),
    expect = { flag = "green", score = 100, findings = findings() } },

  { name = "unreadable forest-loss date: cannot be checked, major",
    event = batch("cut-bad", { plot("PLOT-CI-0042", { deforested_at = "2021-02-30" }) }),
    expect = { flag = "yellow", score = 90, findings = findings("deforestation-after-cutoff"),
               messages = { "unreadable date" } } },

  { name = "two plots: one clean, one deforested in 2023 and unverified",
    event = batch("def-two-plots", {
      plot("PLOT-CI-0042"),
      plot("PLOT-CI-0043", { deforested_at = "2023-06-14", deforestation_verified = NONE }),
    }, { transfers = {
      { transfer_id = "T-1", from = "PLOT-CI-0042", to = "COOP-SOUBRE", date = "2027-03-01", documents = { "DN-1101" } },
      { transfer_id = "T-1b", from = "PLOT-CI-0043", to = "COOP-SOUBRE", date = "2027-03-02", documents = { "DN-1102" } },
      { transfer_id = "T-2", from = "COOP-SOUBRE", to = "EXP-SANPEDRO", date = "2027-03-17", documents = { "DN-1140" } },
    } }),
    expect = { flag = "red", score = 65,
               findings = findings("deforestation-unverified", "deforestation-after-cutoff"),
               messages = { "PLOT-CI-0043" } } },
}
