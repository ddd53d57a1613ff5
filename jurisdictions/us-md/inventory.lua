-- jurisdictions/us-md/inventory.lua — package movements (inventory.moved)
-- in Maryland: entered in Metrc in time, an electronic manifest for every
-- shipment between licensees, and micro dispensaries' system transfer
-- completed before the move.
--
-- Extra optional fields this pack reads (the catalogue's fields are
-- package_id, quantity, from, to, metrc_reported_at):
--   from_license, to_license  license numbers of the two sides of the move
--   manifest_id               the Metrc electronic manifest number
--   license_type              "micro_dispensary" for a micro dispensary
-- luacheck: globals rule

local time = require "edict.time"
local window = require "edict.window"

-- The package and, when recorded, its route, for messages.
local function move_name(e)
  local d = e.data or {}
  local what = "move of package " .. window.record(e, "package_id")
  local from, to = window.text(d.from), window.text(d.to)
  if from and to then what = ("%s from %s to %s"):format(what, from, to) end
  return what
end

-- Reading: COMAR 14.17.11.03A requires "timely and accurate" seed-to-sale
-- data [P] (text seen for processors; applied here to every licensee's
-- moves, as the seed's "real-time sync" does) but FACTS.md found no MD
-- window. The hour figure is therefore params.report_window_hours, default
-- 24 (the same window the seed gives California), on the counsel list.
-- Severity major: a late entry is a record-keeping breach (as the catalogue
-- rates California's), not untracked product. Edges as edict.window:
-- 24 h 0 s on time, 24 h + 1 s late; not yet reported and as_of within the
-- window → obligation `record_in_metrc`, no finding.
rule {
  id = "us-md/inventory-metrc-report",
  on = "inventory.moved",
  severity = "major",
  cite = "COMAR 14.17.11.03A; seed 000 policy: real-time Metrc sync (24 h window)",
  title = "Inventory movement entered in Metrc in time",
  check = function(e, ctx)
    return window.metrc(e, ctx, {
      what = move_name(e),
      window_name = "reporting window set for COMAR 14.17.11.03A's 'timely' data",
      action = "record_in_metrc",
    })
  end,
}

-- A license number as comparable text (numbers allowed), or nil.
local function license(v)
  if math.type(v) == "integer" then return tostring(v) end
  local s = window.text(v)
  return s and s:upper()
end

-- Reading: COMAR 14.17.09.03E, every shipment needs an electronic manifest
-- [P]. A move is a shipment when both license numbers are recorded and
-- differ; a move inside one licensee (room to room, vault to floor) carries
-- one license or none and is not decided here. Severity major: product in
-- transit without a manifest is untracked on the road, but the finding is
-- about the record (the manifest may exist and not be linked), and evidence
-- (the manifest) cures it.
rule {
  id = "us-md/inventory-manifest",
  on = "inventory.moved",
  severity = "major",
  cite = "COMAR 14.17.09.03E",
  title = "Every shipment between licensees has an electronic manifest",
  check = function(e)
    local d = e.data or {}
    local from, to = license(d.from_license), license(d.to_license)
    if not (from and to) or from == to then return nil end
    if window.text(d.manifest_id) or math.type(d.manifest_id) == "integer" then return nil end
    local why = (d.manifest_id == nil or type(d.manifest_id) == "string") and "no manifest_id recorded"
      or ("manifest_id is %s"):format(window.show(d.manifest_id))
    return {
      message = ("%s is a shipment from license %s to license %s without an electronic "
        .. "manifest (%s): create the Metrc manifest, or link the existing one to the move")
        :format(move_name(e), from, to, why),
      evidence_required = { "electronic_manifest" },
      details = { package_id = d.package_id, from_license = from, to_license = to },
    }
  end,
}

-- "micro_dispensary", "Micro-Dispensary", "micro dispensary" all match.
local function is_micro(v)
  local s = window.text(v)
  return s ~= nil and s:lower():gsub("[%s%-]+", "_") == "micro_dispensary"
end

-- Reading: COMAR 14.17.12.03B, a micro dispensary completes the system
-- transfer BEFORE the delivery or storage move [P]. occurred_at is the move;
-- a Metrc entry at or before it holds, one after it is late. Not in Metrc
-- yet: a finding once as_of has reached the move, else an obligation
-- `complete_metrc_transfer` due at the move. An unreadable
-- metrc_reported_at is left to us-md/inventory-metrc-report, which already
-- reports it (one defect, one finding). Applies only when license_type
-- says micro dispensary. Severity major, like the other late entries.
rule {
  id = "us-md/micro-transfer-before-move",
  on = "inventory.moved",
  severity = "major",
  cite = "COMAR 14.17.12.03B",
  title = "Micro dispensaries complete the system transfer before the move",
  check = function(e, ctx)
    local d = e.data or {}
    if not is_micro(d.license_type) then return nil end
    local occ, v = e.occurred_at, d.metrc_reported_at
    local what = move_name(e)
    if v == nil or (type(v) == "string" and window.text(v) == nil) then
      if time.seconds_between(occ, ctx.as_of) < 0 then
        ctx.obligation {
          action = "complete_metrc_transfer",
          due = window.deadline(occ, 0, ctx.zone),
          note = ("micro dispensary: complete the Metrc transfer for %s before it happens"):format(what),
        }
        return nil
      end
      return {
        message = ("%s by a micro dispensary happened at %s with no transfer in Metrc: the "
          .. "system transfer must be completed before the move. Complete it now and "
          .. "record why the product moved first"):format(what, occ),
        evidence_required = { "metrc_transfer_record" },
        details = { occurred_at = occ, as_of = ctx.as_of },
      }
    end
    if not window.is_timestamp(v) then return nil end
    local after = time.seconds_between(occ, v)
    if after > 0 then
      return {
        message = ("%s by a micro dispensary: the Metrc transfer was completed at %s, %s "
          .. "after the move at %s; it must be completed before the move"):format(what, v, window.span(after), occ),
        evidence_required = { "metrc_transfer_record" },
        details = { occurred_at = occ, metrc_reported_at = v, after_seconds = after },
      }
    end
  end,
}
