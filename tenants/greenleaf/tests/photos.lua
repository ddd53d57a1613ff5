-- tenants/greenleaf/tests/photos.lua — Greenleaf's two-photo rule (SOP
-- WM-2, us-or min_photos = 2) on Oregon waste records.
--
-- The record is the us-or pack's own complete record (jurisdictions/us-or/
-- tests/waste.lua, base()): a 30-in whole plant, 1,200 g, held under camera
-- from Monday 2026-03-02 09:00 PST, destroyed Friday 2026-03-06 10:00,
-- witness E-7 recorded by E-3, retention 7 years to 2033-03-06. The pack
-- fixture "complete, lawfully held and destroyed record holds (retention 7
-- years)" decides it green with ONE photo under the default min_photos = 1.
-- Here the same one-photo record is red for Greenleaf, and the fixture for
-- tenant "no-overlay" (a tenant with no policy.lua: every pack, no
-- overrides) shows the pack's default decision next to it.

local SHA_A = ("a1"):rep(32)
local SHA_B = ("b2"):rep(32)

local function base()
  return {
    waste_id = "W-1001", weight_g = 1200, waste_type = "plant", whole_plant_height_in = 30,
    reason = "male plant culled", method = "compost with 50% soil",
    held_since = "2026-03-02T09:00:00-08:00", camera_covered = true,
    destroyed_at = "2026-03-06T10:00:00-08:00",
    witness = { name = "J. Doe", employee_id = "E-7" }, recorded_by = "E-3",
    photos = {
      { sha256 = SHA_A, uri = "s3://greenleaf-evidence/W-1001/1.jpg" },
      { sha256 = SHA_B, uri = "s3://greenleaf-evidence/W-1001/2.jpg" },
    },
  }
end

-- A US-OR waste.recorded event: the base record (two photos) changed by
-- patch(d); tenant greenleaf unless given.
local function event(id, patch, tenant)
  local d = base()
  if patch then patch(d) end
  return { type = "waste.recorded", id = id, tenant = tenant, jurisdiction = "US-OR",
    occurred_at = "2026-03-06T10:15:00-08:00", data = d }
end

local function one_photo(d) d.photos = { d.photos[1] } end

local PHOTO = { "us-or/waste-photo" }
local RET = "2033-03-06"

return {
  { name = "two different photos: holds for greenleaf (retention 7 years, nothing owed)",
    event = event("gl-w-2photos"),
    expect = { flag = "green", findings = {}, score = 100, retention_until = RET,
      obligations = {}, waivers = {} } },

  { name = "one photo: critical for greenleaf, 2 required",
    event = event("gl-w-1photo", one_photo),
    expect = { flag = "red", findings = PHOTO, score = 75, retention_until = RET,
      messages = { "waste W-1001 has 1 photo with a sha256, 2 required" } } },

  -- The same one-photo record for a tenant without an overlay: the us-or
  -- default (min_photos = 1) holds, as in the pack fixture named above.
  { name = "contrast: the same one-photo record for a tenant with no overlay holds",
    event = event("gl-w-1photo-plain", one_photo, "no-overlay"),
    expect = { flag = "green", findings = {}, score = 100, retention_until = RET } },

  { name = "the same photo twice counts once: critical for greenleaf",
    event = event("gl-w-dup", function(d) d.photos[2] = { sha256 = SHA_A:upper() } end),
    expect = { flag = "red", findings = PHOTO, score = 75,
      messages = { "1 photo with a sha256, 2 required (1 repeating a digest already counted)" } } },

  { name = "two photos, one without a valid sha256: critical for greenleaf",
    event = event("gl-w-bad-sha", function(d) d.photos[2] = { uri = "s3://greenleaf-evidence/W-1001/2.jpg" } end),
    expect = { flag = "red", findings = PHOTO, score = 75,
      messages = { "1 photo with a sha256, 2 required (1 without a valid sha256)" } } },

  { name = "three photos: holds",
    event = event("gl-w-3photos", function(d) d.photos[3] = { sha256 = ("c3"):rep(32) } end),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "no photos: critical, 0 of 2",
    event = event("gl-w-0photos", function(d) d.photos = nil end),
    expect = { flag = "red", findings = PHOTO, score = 75,
      messages = { "0 photos with a sha256, 2 required" } } },

  -- Held waste not yet destroyed: the photo rule applies from designation
  -- on (us-or reading), and the hold obligation is unchanged by the overlay.
  { name = "held, not yet destroyed, one photo: critical, hold obligation as usual",
    event = event("gl-w-held-1photo", function(d)
      one_photo(d); d.destroyed_at = nil
    end),
    expect = { flag = "red", findings = PHOTO, score = 75, retention_until = RET,
      obligations = { { action = "hold_waste_under_camera", due = "2026-03-05T09:00:00-08:00" } } } },
}
