-- examples/serve/webhooks/metrc.lua — the normaliser of the "metrc" webhook
-- source: maps a vendor delivery to edict catalogue events. It runs in the
-- same sandbox as rules (no io, os, clock), once per delivery; what it
-- returns (an event or a list of events) is evaluated as POST /v1/evaluate
-- would, for the source's tenant.
--
-- The delivery this example expects (a plant-waste notification):
--   {"type":"plant_waste","state":"OR","records":[{"Id":123,"WasteWeight":1200,
--    "WasteType":"plant","WasteMethodName":"compost","WasteReasonName":"male plants",
--    "ActualDate":"2026-03-02T10:00:00-08:00","Witness":"J. Doe","WitnessId":"E-7",
--    "Photos":[{"Sha256":"…","Uri":"s3://…"}]}]}
local JURISDICTION = { OR = "US-OR", CA = "US-CA", MD = "US-MD" }

return function(p)
  local jurisdiction = JURISDICTION[p.state]
  if p.type ~= "plant_waste" or not jurisdiction then
    error(("unsupported delivery: type %s, state %s"):format(tostring(p.type), tostring(p.state)))
  end
  local events = {}
  for i, r in ipairs(p.records or {}) do
    local photos = {}
    for j, ph in ipairs(r.Photos or {}) do
      photos[j] = { sha256 = ph.Sha256, uri = ph.Uri }
    end
    events[i] = {
      id = ("metrc-waste-%s"):format(tostring(r.Id)),
      type = "waste.recorded",
      jurisdiction = jurisdiction,
      occurred_at = r.ActualDate,
      data = {
        waste_id = tostring(r.Id), weight_g = r.WasteWeight, waste_type = r.WasteType,
        method = r.WasteMethodName, reason = r.WasteReasonName,
        witness = r.Witness and { name = r.Witness, employee_id = r.WitnessId } or nil,
        photos = photos, metrc_reported_at = r.ActualDate,
      },
    }
  end
  return events
end
