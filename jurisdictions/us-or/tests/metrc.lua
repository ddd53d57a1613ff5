-- jurisdictions/us-or/tests/metrc.lua — fixtures for the Metrc waste entry
-- a destroyed waste record asks for (metrc.lua). The base record is
-- tests/waste.lua's complete, lawful one, destroyed 2026-03-06, with its
-- licence.

local SHA_A = ("a1"):rep(32)

local function event(id, patch)
  local d = {
    waste_id = "W-1001", weight_g = 1200, waste_type = "plant", whole_plant_height_in = 30,
    reason = "male plant culled", method = "compost with 50% soil",
    held_since = "2026-03-02T09:00:00-08:00", camera_covered = true,
    destroyed_at = "2026-03-06T10:00:00-08:00",
    witness = { name = "J. Doe", employee_id = "E-7" }, recorded_by = "E-3",
    photos = { { sha256 = SHA_A, uri = "s3://greenleaf-evidence/W-1001/1.jpg" } },
    license = "OR-LIC-1",
  }
  if patch then patch(d) end
  return { type = "waste.recorded", id = id, occurred_at = "2026-03-06T10:15:00-08:00", data = d }
end

return {
  { name = "destroyed whole plant with its licence: one Metrc plant waste entry, still green",
    event = event("wm-plant"),
    expect = { flag = "green", findings = {},
      metrc_writes = { "POST /plants/v2/waste OR-LIC-1" } } },

  { name = "post-harvest waste goes to the harvests' waste entry",
    event = event("wm-harvest", function(d) d.waste_type = "post_harvest"; d.whole_plant_height_in = nil end),
    expect = { flag = "green", metrc_writes = { "POST /harvests/v2/waste OR-LIC-1" } } },

  { name = "no licence on the record: no write",
    event = event("wm-no-licence", function(d) d.license = nil end),
    expect = { flag = "green", metrc_writes = {} } },

  { name = "already in Metrc (metrc_reported_at): no write",
    event = event("wm-reported", function(d) d.metrc_reported_at = "2026-03-06T11:00:00-08:00" end),
    expect = { flag = "green", metrc_writes = {} } },

  { name = "not destroyed yet: no write (the entry comes with the destruction)",
    event = event("wm-held", function(d) d.destroyed_at = nil end),
    expect = { metrc_writes = {} } },

  { name = "product waste: no write (a package adjustment names a package)",
    event = event("wm-product", function(d) d.waste_type = "product"; d.whole_plant_height_in = nil end),
    expect = { metrc_writes = {} } },

  { name = "no weight: no write (an entry needs one); waste.lua's rules judge the record",
    event = event("wm-no-weight", function(d) d.weight_g = nil end),
    expect = { metrc_writes = {} } },
}
