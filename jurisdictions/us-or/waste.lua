-- jurisdictions/us-or/waste.lua — what a waste.recorded record must document:
-- the seed's witness and photo (operator policy), and OAR 845-025-7750's
-- reason, method and exact time of destruction, and enough to tell whether
-- the 3-business-day hold applies (waste type, whole-plant height). The hold
-- itself and its camera coverage are in hold.lua.
--
-- A waste.recorded event is a snapshot of one waste record (waste_id): it
-- may come when the waste is designated and held (no destroyed_at yet) and
-- again when it is destroyed. "Destroyed" means destroyed_at is recorded, or
-- the optional flag destroyed = true is set; until then nothing about the
-- destruction is due.
-- luacheck: globals rule

local time = require "edict.time"
local U = require "lib.util"

local SEED = "seed 000 policy: Waste requires witness + photo"
local OAR = "OAR 845-025-7750"

local function waste(d)
  return U.name(d.waste_id, "waste_id")
end

-- Whether the 7750 documentation rules look at this record: every record
-- (params.document_all_waste, the reading taken), or held waste only.
local function documented_scope(d, ctx)
  if U.bool_param(ctx, "document_all_waste") then return true end
  return U.hold_scope(d, ctx).held
end

-- The witness's name and employee id. A plain string witness is read as the
-- name (the record has the wrong shape, which witness-id reports).
local function witness(d)
  local w = d.witness
  if type(w) == "string" then return U.text(w), nil, w end
  if type(w) ~= "table" then return nil, nil, w end
  return U.text(w.name), U.ident(w.employee_id), w
end

-- Seed 000: "Waste requires witness + photo". No Oregon rule requiring a
-- witness was found (FACTS.md), so this is operator policy, at the seed's
-- severity: no witness → critical. A witness counts when a name is recorded
-- (witness.name, a non-blank string); a blank or non-string name is no
-- witness. Required on every record, destroyed or not: the seed's workflow
-- takes the photos and the witness's signature when the waste is recorded.
rule {
  id = "us-or/waste-witness",
  on = "waste.recorded",
  severity = "critical",
  cite = SEED,
  check = function(e, ctx)
    local d = e.data or {}
    local name, _, w = witness(d)
    if name then return end
    local why
    if w == nil then
      why = "no witness recorded"
    elseif type(w) == "table" then
      why = ("the witness has no name (witness.name is %s)"):format(U.describe(w.name))
    else
      why = ("witness is %s, not a named person"):format(U.describe(w))
    end
    return {
      message = ("waste %s: %s; have an employee witness the waste and record witness.name "
        .. "and witness.employee_id before destruction"):format(waste(d), why),
      evidence_required = { "witness" },
      details = { waste_id = d.waste_id },
    }
  end,
}

-- Seed 000 again, the reading taken for the witness's identity (the seed
-- says only "witness"): a named witness without witness.employee_id cannot
-- be traced to a person on staff, and a witness who is also the recorder
-- (recorded_by equals the witness's employee_id or name) witnessed nothing
-- independently. Both are minor: a witness was there, the record of who is
-- weak. A tenant that uses outside witnesses can waive this rule.
rule {
  id = "us-or/waste-witness-id",
  on = "waste.recorded",
  severity = "minor",
  cite = SEED,
  check = function(e, ctx)
    local d = e.data or {}
    local name, emp = witness(d)
    if not name then return end -- us-or/waste-witness reports it
    if not emp then
      return {
        message = ("waste %s: witness %s is not identified by an employee id; record "
          .. "witness.employee_id"):format(waste(d), name),
        evidence_required = { "witness_employee_id" },
        details = { waste_id = d.waste_id, witness = name },
      }
    end
    local by = U.ident(d.recorded_by)
    if by and (by == emp or by == name) then
      return {
        message = ("waste %s: the witness (%s, %s) is the employee who recorded the waste; "
          .. "have a second employee witness it"):format(waste(d), name, emp),
        evidence_required = { "witness" },
        details = { waste_id = d.waste_id, witness = name, witness_employee_id = emp, recorded_by = by },
      }
    end
  end,
}

-- Seed 000: "Waste requires witness + photo": fewer than params.min_photos
-- photos → critical. A photo counts only with a sha256 that is a 64-digit
-- hex digest (the evidence's integrity anchor), and the same digest twice is
-- one photo: a tenant asking for 2 photos gets 2 different ones.
rule {
  id = "us-or/waste-photo",
  on = "waste.recorded",
  severity = "critical",
  cite = SEED,
  check = function(e, ctx)
    local d = e.data or {}
    local need = U.int_param(ctx, "min_photos", 0)
    local photos = d.photos
    local seen, n, bad, dup = {}, 0, 0, 0
    if type(photos) == "table" then
      for _, p in ipairs(photos) do
        local h = type(p) == "table" and type(p.sha256) == "string" and p.sha256:lower() or nil
        if h and #h == 64 and not h:find("[^0-9a-f]") then
          if seen[h] then dup = dup + 1 else seen[h] = true; n = n + 1 end
        else
          bad = bad + 1
        end
      end
    end
    if n >= need then return end
    local notes = {}
    if photos ~= nil and type(photos) ~= "table" then
      notes[#notes + 1] = ("photos is %s, not a list"):format(U.describe(photos))
    end
    if bad > 0 then
      notes[#notes + 1] = ("%d without a valid sha256"):format(bad)
    end
    if dup > 0 then
      notes[#notes + 1] = ("%d repeating a digest already counted"):format(dup)
    end
    local extra = #notes > 0 and (" (%s)"):format(table.concat(notes, "; ")) or ""
    return {
      message = ("waste %s has %d photo%s with a sha256, %d required%s; photograph the waste "
        .. "and store each photo with its sha256"):format(waste(d), n, n == 1 and "" or "s", need, extra),
      evidence_required = { "photo" },
      details = { waste_id = d.waste_id, photos_counted = n, min_photos = need,
        without_sha256 = bad, duplicates = dup },
    }
  end,
}

-- OAR 845-025-7750: the reason for the waste is documented. Major: a
-- documentation failure, not by itself an unaccounted-for product. Scope:
-- see documented_scope (every record by default).
rule {
  id = "us-or/waste-reason",
  on = "waste.recorded",
  severity = "major",
  cite = OAR,
  check = function(e, ctx)
    local d = e.data or {}
    if U.text(d.reason) or not documented_scope(d, ctx) then return end
    return {
      message = ("waste %s: the reason for the waste is %s; document why it was designated waste")
        :format(waste(d), U.describe(d.reason)),
      evidence_required = { "waste_reason" },
      details = { waste_id = d.waste_id },
    }
  end,
}

-- OAR 845-025-7750: the method of destruction is documented. Required on
-- every record, destroyed or not: the catalogue's records carry the
-- (planned) method from designation on, as DESIGN.md's sample event does.
-- Major, like the reason.
rule {
  id = "us-or/waste-method",
  on = "waste.recorded",
  severity = "major",
  cite = OAR,
  check = function(e, ctx)
    local d = e.data or {}
    if U.text(d.method) or not documented_scope(d, ctx) then return end
    return {
      message = ("waste %s: the method of destruction is %s; document how it is (to be) destroyed, "
        .. "e.g. compost or grind-and-mix"):format(waste(d), U.describe(d.method)),
      evidence_required = { "destruction_method" },
      details = { waste_id = d.waste_id },
    }
  end,
}

-- OAR 845-025-7750: the EXACT time of destruction is documented. Only once
-- the waste is destroyed (destroyed_at recorded, or destroyed = true); before
-- that there is no time to document, and held waste gets a hold obligation
-- from us-or/waste-hold instead. A destroyed_at that is only a date is not an
-- exact time; one that is not a date at all is unreadable. Major.
rule {
  id = "us-or/waste-destruction-time",
  on = "waste.recorded",
  severity = "major",
  cite = OAR,
  check = function(e, ctx)
    local d = e.data or {}
    if not U.destroyed(d) or not documented_scope(d, ctx) then return end
    local at = d.destroyed_at
    local why
    if at == nil then
      why = "is recorded as destroyed but destroyed_at is not recorded"
    elseif type(at) ~= "string" then
      why = ("has destroyed_at %s, not a timestamp"):format(U.describe(at))
    elseif not time.valid(at) then
      local _, reason = time.valid(at)
      why = ("has destroyed_at %q, not a valid timestamp (%s)"):format(at, tostring(reason))
    elseif U.is_plain_date(at) then
      why = ("has destroyed_at %s, a date without the time of day"):format(at)
    else
      return
    end
    return {
      message = ("waste %s %s; document the exact date and time of destruction (RFC 3339 with offset)")
        :format(waste(d), why),
      evidence_required = { "destruction_time" },
      details = { waste_id = d.waste_id, destroyed_at = type(at) == "string" and at or nil },
    }
  end,
}

-- OAR 845-025-7750 holds post-harvest waste, whole plants over 24 in and
-- product waste. A record that does not say which it is (waste_type missing
-- or unknown, or a whole plant without a readable whole_plant_height_in)
-- cannot show it was outside the hold, so the hold rules treat it as held
-- (the precautionary reading) and this rule reports the gap. Minor: the hold
-- findings, if any, carry the weight; this is the missing figure.
rule {
  id = "us-or/waste-category",
  on = "waste.recorded",
  severity = "minor",
  cite = OAR,
  check = function(e, ctx)
    local d = e.data or {}
    local scope = U.hold_scope(d, ctx)
    if not scope.unknown then return end
    local plant = U.waste_type(d) == "plant"
    return {
      message = ("waste %s: %s, so it cannot be told whether the 3-business-day camera hold applies; "
        .. "it is treated as held; record %s"):format(waste(d), scope.unknown,
        plant and "the whole plant's height in inches" or "waste_type: plant, post_harvest or product"),
      evidence_required = { plant and "whole_plant_height" or "waste_type" },
      details = { waste_id = d.waste_id, hold_height_in = ctx.params.hold_height_in },
    }
  end,
}
