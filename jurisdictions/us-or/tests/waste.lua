-- jurisdictions/us-or/tests/waste.lua — fixtures for what a waste record
-- documents: the seed's witness and photos, 7750's reason, method and exact
-- time of destruction, and the waste type / height that decide the hold.
--
-- Unless a fixture says otherwise the record is complete and lawful: a
-- 30-in whole plant (held), placed on hold Monday 2026-03-02 09:00 PST
-- under camera, hold end Thursday 03-05, destroyed Friday 2026-03-06 10:00;
-- witness E-7 recorded by E-3, one photo. Retention: 7 years from
-- occurred_at (2026-03-06) = 2033-03-06.

local SHA_A = ("a1"):rep(32)
local SHA_B = ("b2"):rep(32)

local function base()
  return {
    waste_id = "W-1001", weight_g = 1200, waste_type = "plant", whole_plant_height_in = 30,
    reason = "male plant culled", method = "compost with 50% soil",
    held_since = "2026-03-02T09:00:00-08:00", camera_covered = true,
    destroyed_at = "2026-03-06T10:00:00-08:00",
    witness = { name = "J. Doe", employee_id = "E-7" }, recorded_by = "E-3",
    photos = { { sha256 = SHA_A, uri = "s3://greenleaf-evidence/W-1001/1.jpg" } },
  }
end

-- A waste.recorded event: the base record changed by patch(d).
local function event(id, patch)
  local d = base()
  if patch then patch(d) end
  return { type = "waste.recorded", id = id, occurred_at = "2026-03-06T10:15:00-08:00", data = d }
end

local RET = "2033-03-06"

return {
  { name = "complete, lawfully held and destroyed record holds (retention 7 years)",
    event = event("w-ok"),
    expect = { flag = "green", findings = {}, score = 100, retention_until = RET, obligations = {} } },

  -- witness (seed 000)
  { name = "no witness: critical, names the waste id",
    event = event("w-no-witness", function(d) d.witness = nil end),
    expect = { flag = "red", findings = { "us-or/waste-witness" }, score = 75,
      messages = { "waste W-1001: no witness recorded" } } },

  { name = "witness with a blank name is no witness: critical",
    event = event("w-blank-witness", function(d) d.witness = { name = "  ", employee_id = "E-7" } end),
    expect = { flag = "red", findings = { "us-or/waste-witness" }, score = 75 } },

  { name = "witness name as a number is no witness: critical",
    event = event("w-num-witness", function(d) d.witness = { name = 7 } end),
    expect = { flag = "red", findings = { "us-or/waste-witness" }, score = 75,
      messages = { "witness.name is an integer (7)" } } },

  { name = "witness without employee_id: minor",
    event = event("w-witness-no-id", function(d) d.witness = { name = "J. Doe" } end),
    expect = { flag = "yellow", findings = { "us-or/waste-witness-id" }, score = 95,
      messages = { "witness J. Doe is not identified by an employee id" } } },

  { name = "witness recorded as plain text: named, but no employee id: minor",
    event = event("w-witness-text", function(d) d.witness = "J. Doe" end),
    expect = { flag = "yellow", findings = { "us-or/waste-witness-id" }, score = 95 } },

  { name = "witness is the recorder: minor",
    event = event("w-self-witness", function(d) d.recorded_by = "E-7" end),
    expect = { flag = "yellow", findings = { "us-or/waste-witness-id" }, score = 95,
      messages = { "is the employee who recorded the waste" } } },

  -- photos (seed 000)
  { name = "no photos: critical",
    event = event("w-no-photo", function(d) d.photos = nil end),
    expect = { flag = "red", findings = { "us-or/waste-photo" }, score = 75,
      messages = { "waste W-1001 has 0 photos with a sha256, 1 required" } } },

  { name = "photos without a valid sha256 do not count: critical",
    event = event("w-photo-no-sha", function(d)
      d.photos = { { uri = "s3://x/1.jpg" }, { sha256 = "abc123", uri = "s3://x/2.jpg" } }
    end),
    expect = { flag = "red", findings = { "us-or/waste-photo" }, score = 75,
      messages = { "2 without a valid sha256" } } },

  { name = "photos as a string instead of a list: refused by the catalogue, naming the field",
    event = event("w-photo-string", function(d) d.photos = "s3://x/1.jpg" end),
    expect = { refused = "/data/photos: expected a list, not text" } },

  { name = "the same photo twice counts once, and one is enough by default",
    event = event("w-photo-dup", function(d)
      d.photos = { { sha256 = SHA_B }, { sha256 = SHA_B:upper() } }
    end),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "witness and photo both missing: two criticals",
    event = event("w-neither", function(d) d.witness = nil; d.photos = {} end),
    expect = { flag = "red", findings = { "us-or/waste-witness", "us-or/waste-photo" }, score = 50 } },

  -- reason, method, time of destruction (OAR 845-025-7750)
  { name = "no reason: major",
    event = event("w-no-reason", function(d) d.reason = nil end),
    expect = { flag = "yellow", findings = { "us-or/waste-reason" }, score = 90,
      messages = { "waste W-1001: the reason for the waste is not recorded" } } },

  { name = "reason as a number: major",
    event = event("w-reason-num", function(d) d.reason = 3 end),
    expect = { flag = "yellow", findings = { "us-or/waste-reason" }, score = 90 } },

  { name = "no method: major",
    event = event("w-no-method", function(d) d.method = "" end),
    expect = { flag = "yellow", findings = { "us-or/waste-method" }, score = 90 } },

  { name = "reason and method required on waste outside the hold too (a 10-in plant)",
    event = event("w-small-undocumented", function(d)
      d.whole_plant_height_in = 10; d.reason = nil; d.method = nil
      d.held_since = nil; d.camera_covered = nil
    end),
    expect = { flag = "yellow", findings = { "us-or/waste-reason", "us-or/waste-method" }, score = 80 } },

  { name = "destroyed = true without destroyed_at: exact time not documented, major",
    event = event("w-destroyed-flag", function(d) d.destroyed_at = nil; d.destroyed = true end),
    expect = { flag = "yellow", findings = { "us-or/waste-destruction-time" }, score = 90,
      obligations = {}, messages = { "is recorded as destroyed but destroyed_at is not recorded" } } },

  { name = "destroyed_at is only a date: not an exact time, major (the date still clears the hold)",
    event = event("w-destroyed-date", function(d) d.destroyed_at = "2026-03-06" end),
    expect = { flag = "yellow", findings = { "us-or/waste-destruction-time" }, score = 90 } },

  { name = "destroyed_at as a number: unreadable, major, no rule error",
    event = event("w-destroyed-num", function(d) d.destroyed_at = 20260306 end),
    expect = { flag = "yellow", findings = { "us-or/waste-destruction-time" }, score = 90 } },

  { name = "destroyed_at on 30 February: unreadable, major",
    event = event("w-destroyed-bad", function(d) d.destroyed_at = "2026-02-30T10:00:00-08:00" end),
    expect = { flag = "yellow", findings = { "us-or/waste-destruction-time" }, score = 90 } },

  -- waste type and height (what decides the hold)
  { name = "no waste_type: minor, treated as held (lawfully held here, so nothing else)",
    event = event("w-no-type", function(d) d.waste_type = nil end),
    expect = { flag = "yellow", findings = { "us-or/waste-category" }, score = 95,
      messages = { "waste_type is not recorded" } } },

  { name = "unknown waste_type: minor",
    event = event("w-odd-type", function(d) d.waste_type = "trim" end),
    expect = { flag = "yellow", findings = { "us-or/waste-category" }, score = 95 } },

  { name = "waste_type spelled Post-Harvest is post_harvest",
    event = event("w-type-spelling", function(d) d.waste_type = "Post-Harvest" end),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "nothing but a waste id: every gap reported, score floored at 0",
    event = { type = "waste.recorded", id = "w-bare", occurred_at = "2026-03-06T10:15:00-08:00",
      data = { waste_id = "W-1099" } },
    expect = { flag = "red", score = 0, retention_until = RET, findings = {
      "us-or/waste-witness", "us-or/waste-photo", "us-or/waste-reason", "us-or/waste-method",
      "us-or/waste-category", "us-or/waste-hold", "us-or/waste-camera" } } },

  { name = "no data at all: refused, naming /data (the catalogue declares waste.recorded's data)",
    event = { type = "waste.recorded", id = "w-none", occurred_at = "2026-03-06T10:15:00-08:00" },
    expect = { refused = "/data: missing" } },

  { name = "empty data: decided, not an error; messages say (no waste_id)",
    event = { type = "waste.recorded", id = "w-empty", occurred_at = "2026-03-06T10:15:00-08:00",
      data = {} },
    expect = { flag = "red", score = 0, messages = { "(no waste_id)" }, findings = {
      "us-or/waste-witness", "us-or/waste-photo", "us-or/waste-reason", "us-or/waste-method",
      "us-or/waste-category", "us-or/waste-hold", "us-or/waste-camera" } } },
}
