-- jurisdictions/us-or/metrc.lua — the waste entry Oregon's CTS (Metrc)
-- should hold for a destroyed waste record, asked for as a write in the
-- decision (ctx.metrc_write, RULES.md "Writes to Metrc"): edict keeps it in
-- its outbox when the decision is journaled and `edict metrc outbox push`
-- (or serve's scheduled push) sends it once. OAR 845-025-7540 asks CTS to
-- account for inventory "fully and transparently", and 7750 keeps the
-- reconciliation of waste records; recording the waste in Metrc is how a
-- licensee does both, so the entry is made from the same record the waste
-- rules judge, and nobody types it twice.
--
-- Asked for when the record names its licence (data.license), says the
-- waste was destroyed (destroyed_at), is not in Metrc yet (no
-- metrc_reported_at), and the tenant keeps params.metrc_waste_entries on.
-- Whole plants go to POST /plants/v2/waste, post-harvest waste to POST
-- /harvests/v2/waste (FACTS §1); product waste is a package adjustment
-- this pack does not make (the record names no package).
-- luacheck: globals rule

local U = require "lib.util"

local PATHS = { plant = "/plants/v2/waste", post_harvest = "/harvests/v2/waste" }

rule {
  id = "us-or/waste-metrc",
  on = "waste.recorded",
  severity = "info",
  cite = "OAR 845-025-7540 (CTS) and 845-025-7750: waste recorded in Metrc",
  check = function(e, ctx)
    local d = e.data or {}
    if not U.bool_param(ctx, "metrc_waste_entries") then return end
    local license = U.text(d.license)
    local path = PATHS[U.waste_type(d) or ""]
    if not license or not path or d.metrc_reported_at ~= nil or type(d.destroyed_at) ~= "string" then
      return
    end
    local weight = tonumber(d.weight_g)
    local day = U.local_day(d.destroyed_at, U.zone(ctx))
    if not weight or weight <= 0 or not day then
      return -- waste.lua names what is missing; no entry is made from it
    end
    ctx.metrc_write {
      license = license,
      path = path,
      objects = { {
        WasteMethodName = U.text(d.method) or "",
        WasteReasonName = U.text(d.reason) or "",
        ReasonNote = ("edict waste record %s"):format(U.name(d.waste_id, "waste_id")),
        WasteWeight = weight,
        UnitOfMeasureName = "Grams",
        WasteDate = day,
      } },
    }
  end,
}
