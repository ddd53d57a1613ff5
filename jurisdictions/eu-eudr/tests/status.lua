-- jurisdictions/eu-eudr/tests/status.lua — fixtures for chain-status, seed
-- 002's confidence and status at every boundary: minor gaps only at 90
-- (VERIFIED), 85 and 70 (PARTIALLY_VERIFIED), 65 (INCONCLUSIVE); any
-- major gap → PARTIALLY_VERIFIED even at 90 or below 70; any critical gap
-- → UNVERIFIED; the score floored at 0. The decision's score always equals
-- the confidence.
--
-- Minor gaps are made with custody transfers 40 days apart (each gap of 40
-- days is one minor TEMPORAL_GAP); the chain is otherwise clean.

local PLOT = { plot_id = "PLOT-ID-5521", area_ha = 3.1, deforestation_verified = true, commodity = "oil palm",
               geolocation = { type = "Point", coordinates = { 101.447123, 0.507068 } } }

-- Dates 40 days apart from 2027-01-01.
local DATES = { "2027-01-01", "2027-02-10", "2027-03-22", "2027-05-01",
                "2027-06-10", "2027-07-20", "2027-08-29", "2027-10-08" }

-- A linear chain of n transfers (n - 1 gaps of 40 days): plot → H1 → … → Hn.
local function chain(n)
  local ts, from = {}, "PLOT-ID-5521"
  for i = 1, n do
    local to = ("HOLDER-%d"):format(i)
    ts[i] = { transfer_id = ("T-%d"):format(i), from = from, to = to, date = DATES[i],
              documents = { ("DN-%d"):format(i) } }
    from = to
  end
  return ts
end

local function batch(id, data)
  if data.batch_id == nil then data.batch_id = "B-ID-2027-044" end
  if data.batch_id == false then data.batch_id = nil end -- no batch_id at all
  data.operator_size = "large"
  data.origin_plots = data.origin_plots or { PLOT }
  return { type = "batch.verify", tenant = "verdant", id = id,
           occurred_at = "2027-10-20T10:00:00+02:00", data = data }
end

local function rep(r, n)
  local f = { "eu-eudr/chain-status" }
  for _ = 1, n do f[#f + 1] = "eu-eudr/" .. r end
  return f
end

return {
  { name = "clean chain: VERIFIED, confidence 100, chain complete",
    event = batch("st-clean", { transfers = chain(1) }),
    expect = { flag = "green", score = 100, findings = rep("custody-gap", 0), retention_until = "2032-10-20",
               messages = { "batch B-ID-2027-044 chain of custody VERIFIED (confidence 100): no gaps, chain complete" } } },

  { name = "2 minor gaps = 90: VERIFIED (the >= 90 boundary)",
    event = batch("st-2-minor", { transfers = chain(3) }),
    expect = { flag = "yellow", score = 90, findings = rep("custody-gap", 2),
               messages = { "chain of custody VERIFIED (confidence 90)" } } },

  { name = "3 minor gaps = 85: PARTIALLY_VERIFIED",
    event = batch("st-3-minor", { transfers = chain(4) }),
    expect = { flag = "yellow", score = 85, findings = rep("custody-gap", 3),
               messages = { "chain of custody PARTIALLY_VERIFIED (confidence 85)" } } },

  { name = "6 minor gaps = 70: PARTIALLY_VERIFIED (the >= 70 boundary)",
    event = batch("st-6-minor", { transfers = chain(7) }),
    expect = { flag = "yellow", score = 70, findings = rep("custody-gap", 6),
               messages = { "chain of custody PARTIALLY_VERIFIED (confidence 70)" } } },

  { name = "7 minor gaps = 65: INCONCLUSIVE",
    event = batch("st-7-minor", { transfers = chain(8) }),
    expect = { flag = "yellow", score = 65, findings = rep("custody-gap", 7),
               messages = { "chain of custody INCONCLUSIVE (confidence 65)", "custody-gap ×7" } } },

  { name = "one major gap at confidence 90: PARTIALLY_VERIFIED, not VERIFIED",
    event = batch("st-1-major", { transfers = {
      { transfer_id = "T-1", from = "PLOT-ID-5521", to = "MILL-RIAU", date = "2027-01-01" } } }),
    expect = { flag = "yellow", score = 90, findings = rep("transfer-undocumented", 1),
               messages = { "chain of custody PARTIALLY_VERIFIED (confidence 90)" } } },

  { name = "four major gaps = 60: still PARTIALLY_VERIFIED (a major decides before the score)",
    event = batch("st-4-major", { transfers = {
      { transfer_id = "T-1", from = "PLOT-ID-5521", to = "H-1", date = "2027-01-01" },
      { transfer_id = "T-2", from = "H-1", to = "H-2", date = "2027-01-05" },
      { transfer_id = "T-3", from = "H-2", to = "H-3", date = "2027-01-09" },
      { transfer_id = "T-4", from = "H-3", to = "H-4", date = "2027-01-13" } } }),
    expect = { flag = "yellow", score = 60, findings = rep("transfer-undocumented", 4),
               messages = { "chain of custody PARTIALLY_VERIFIED (confidence 60)" } } },

  { name = "one critical gap: UNVERIFIED at 75",
    event = batch("st-1-critical", { transfers = {} }),
    expect = { flag = "red", score = 75, findings = rep("custody-missing", 1),
               messages = { "chain of custody UNVERIFIED (confidence 75)" } } },

  { name = "everything missing, no batch_id: confidence floored at 0, UNVERIFIED",
    event = batch("st-floor", { batch_id = false, origin_plots = {
      { plot_id = "P-1" }, { plot_id = "P-2" }, { plot_id = "P-3" }, { plot_id = "P-4" } } }),
    expect = { flag = "red", score = 0, findings = {
      "eu-eudr/chain-status", "eu-eudr/custody-missing",
      "eu-eudr/geolocation-missing", "eu-eudr/geolocation-missing",
      "eu-eudr/geolocation-missing", "eu-eudr/geolocation-missing",
      "eu-eudr/deforestation-unverified", "eu-eudr/deforestation-unverified",
      "eu-eudr/deforestation-unverified", "eu-eudr/deforestation-unverified" },
      messages = { "batch (no batch_id) chain of custody UNVERIFIED (confidence 0)" } } },
}
