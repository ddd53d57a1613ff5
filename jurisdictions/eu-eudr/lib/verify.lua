-- jurisdictions/eu-eudr/lib/verify.lua — seed 002's
-- TraceabilityVerificationEngine (verify_batch_traceability) as a pure
-- function of a batch.verify event's data and the pack's params.
--
-- Every batch rule calls verify.run(e, params) and reports only the gaps
-- tagged with its own name; chain-status reports the status and confidence
-- computed from ALL the gaps. The engine cannot share a result between
-- rules (pack data is read-only and rules see only the event), so each
-- rule recomputes the verification; being pure, it gets the same gaps
-- every time, and the status can never disagree with the findings.
--
-- Steps, in the seed's order (each gap is {rule, gap_type, location,
-- severity, message, evidence_required, entity_type, entity_id, details}):
--   1. origin plots   (_verify_origin_plots, plus the EC polygon rule and
--                      the deforestation cut-off)
--   2. custody chain  (_verify_custody_chain, plus incomplete records; the
--                      edict.chain graph observations are info notes, kept
--                      apart in v.notes: they are no gap and do not count)
--   3. transformations (_verify_transformations: linkage, mass balance)
--   4. confidence and status (_calculate_confidence, _determine_status)
-- Gap types are the seed's ChainGapType values; locations the seed's
-- location_in_chain: ORIGIN, CHAIN, TRANSFER_n, BETWEEN_TRANSFER_i_AND_j,
-- TRANSFORMATION. TRANSFER_n numbers transfers in the seed's order (sorted
-- by date); details.transfer_index gives the position in the event's list.

local time = require "edict.time"
local chain = require "edict.chain"
local read = require "edict.read"

local M = {}

-- ------------------------------------------------------------------
-- helpers
-- ------------------------------------------------------------------

-- An id as text: a non-empty string, or a number; nil otherwise.
local function idtext(v)
  if type(v) == "string" and v ~= "" then return v end
  if math.type(v) == "integer" then return tostring(v) end
  if type(v) == "number" and v == v then return ("%g"):format(v) end
  return nil
end

-- A usable graph node id (string or number), or nil.
local function node_id(v)
  if type(v) == "string" and v ~= "" then return v end
  if type(v) == "number" and v == v then return v end
  return nil
end

-- The length of a JSON list: its largest index. JSON null reads as nil, so
-- [null, {…}] has a hole at 1 where ipairs (and perhaps #) would stop; the
-- loops below run 1..len and treat a nil entry as a bad record. nil when t
-- is not a list (not a table, or a JSON object with named keys).
local function len(t)
  if type(t) ~= "table" then return nil end
  local n = 0
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 then return nil end
    if k > n then n = k end
  end
  return n
end

local function is_list(t)
  local n = len(t)
  return n ~= nil and n > 0
end

-- A finite number >= 0, or nil.
local function quantity(x)
  if type(x) == "number" and x >= 0 and x < math.huge then return x end
  return nil
end

local function num(x)
  if math.type(x) == "integer" then return tostring(x) end
  return ("%.6g"):format(x)
end

-- The pack params this module reads, checked once per call so a bad tenant
-- override fails with a clear message instead of verifying silently wrong.
local function settings(params)
  local function int(name)
    local v = params[name]
    if math.type(v) ~= "integer" or v < 0 then
      error(("params.%s must be a whole number >= 0"):format(name), 0)
    end
    return v
  end
  local function number(name)
    local v = params[name]
    if type(v) ~= "number" or v ~= v or v < 0 or v == math.huge then
      error(("params.%s must be a finite number >= 0"):format(name), 0)
    end
    return v
  end
  if not time.valid(params.deforestation_cutoff) then
    error("params.deforestation_cutoff must be a date (YYYY-MM-DD)", 0)
  end
  local s = {
    cutoff = time.date(params.deforestation_cutoff),
    polygon_area = number("polygon_area_ha"),
    gap_days = int("custody_gap_days"),
    gap_major_days = int("custody_gap_major_days"),
    tolerance = number("mass_balance_tolerance"),
  }
  if s.gap_major_days <= s.gap_days then
    error(("params.custody_gap_major_days (%d) must be more than custody_gap_days (%d)")
      :format(s.gap_major_days, s.gap_days), 0)
  end
  return s
end

-- ------------------------------------------------------------------
-- geolocation (GeoJSON-like {type =, coordinates =})
-- ------------------------------------------------------------------

-- Is p a [longitude, latitude(, altitude)] position in range?
local function position(p)
  if type(p) ~= "table" then return false end
  local lon, lat = p[1], p[2]
  return type(lon) == "number" and type(lat) == "number"
    and lon >= -180 and lon <= 180 and lat >= -90 and lat <= 90
end

-- nil when polygon coordinates c are valid, else why not.
local function polygon_problem(c, what)
  if not is_list(c) then return what .. " has no rings" end
  for r = 1, len(c) do
    local ring = c[r]
    local n = len(ring)
    if not n or n < 4 then
      return ("%s ring %d has fewer than 4 positions"):format(what, r)
    end
    for k = 1, n do
      if not position(ring[k]) then
        return ("%s ring %d position %d is not [longitude, latitude] in range"):format(what, r, k)
      end
    end
    local a, b = ring[1], ring[n]
    if a[1] ~= b[1] or a[2] ~= b[2] then
      return ("%s ring %d is not closed (last position differs from the first)"):format(what, r)
    end
  end
  return nil
end

-- geometry type when g is valid geolocation, else nil and why not.
local function geolocation(g)
  if g == nil then return nil, "no geolocation recorded" end
  if type(g) ~= "table" then
    return nil, ("geolocation is a %s, not a {type, coordinates} geometry"):format(type(g))
  end
  local t, c = g.type, g.coordinates
  if t == "Point" then
    if position(c) then return t end
    return nil, "Point coordinates are not [longitude, latitude] in range"
  elseif t == "Polygon" then
    local why = polygon_problem(c, "Polygon")
    if why then return nil, why end
    return t
  elseif t == "MultiPolygon" then
    if not is_list(c) then return nil, "MultiPolygon has no polygons" end
    for k = 1, len(c) do
      local why = polygon_problem(c[k], ("MultiPolygon polygon %d"):format(k))
      if why then return nil, why end
    end
    return t
  end
  return nil, ("geolocation type %s is not Point, Polygon or MultiPolygon")
    :format(t == nil and "not recorded" or ("%q"):format(tostring(t)))
end

-- ------------------------------------------------------------------
-- step 1: origin plots
-- ------------------------------------------------------------------

local function verify_origin(v, d, s)
  local plots = d.origin_plots
  if not is_list(plots) then
    v.add {
      rule = "origin-missing", gap_type = "UNVERIFIED_ORIGIN", location = "ORIGIN",
      severity = "critical", entity_type = "BATCH", entity_id = v.batch_id,
      message = ("batch %s declares no origin plots%s: the product cannot be traced to where it "
        .. "was produced; record each plot of production with its geolocation")
        :format(v.batch, (plots == nil or len(plots)) and "" or " (origin_plots is not a list of plots)"),
      evidence_required = { "plot_registration", "geolocation_data" },
    }
    return
  end
  for i = 1, len(plots) do
    local p = plots[i]
    local pid = type(p) == "table" and idtext(p.plot_id) or nil
    if not pid then
      v.add {
        rule = "origin-missing", gap_type = "UNVERIFIED_ORIGIN", location = "ORIGIN",
        severity = "critical", entity_type = "PLOT",
        message = ("batch %s: origin plot #%d %s, so it cannot be found in the plot registry; "
          .. "record the plot_id and its registration"):format(v.batch, i,
            type(p) == "table" and "has no plot_id" or "is not a plot record"),
        evidence_required = { "plot_registration", "geolocation_data" },
        details = { plot_index = i },
      }
      goto next_plot -- the seed's `continue`: nothing else can be said of it
    end
    do
      v.plot_ids[#v.plot_ids + 1] = node_id(p.plot_id)
      local clean = true
      local function add(g)
        g.entity_type, g.entity_id, g.location = "PLOT", pid, "ORIGIN"
        g.details = g.details or {}
        g.details.plot_id, g.details.plot_index = pid, i
        v.add(g)
        clean = false
      end
      local commodity = read.text(p.commodity) and read.text(p.commodity):lower() or nil
      local gtype, why = geolocation(p.geolocation)
      if not gtype then
        add {
          rule = "geolocation-missing", gap_type = "MISSING_EVIDENCE", severity = "critical",
          message = ("batch %s: origin plot %s is missing valid geolocation (%s); record its "
            .. "coordinates (point or polygon, 6 decimal places)"):format(v.batch, pid, why),
          evidence_required = { "geolocation_data", "coordinate_verification" },
        }
      elseif gtype == "Point" and commodity ~= "cattle" then
        local area = read.number(p.area_ha) or p.area_ha -- "12.5" is 12.5 ha
        if quantity(area) and area > s.polygon_area then
          add {
            rule = "geolocation-polygon", gap_type = "MISSING_EVIDENCE", severity = "critical",
            message = ("batch %s: origin plot %s covers %s ha, more than %s ha, but its geolocation "
              .. "is a single point; a polygon of the plot's perimeter is required")
              :format(v.batch, pid, num(area), num(s.polygon_area)),
            evidence_required = { "polygon_geolocation" },
            details = { area_ha = area, polygon_area_ha = s.polygon_area, geometry = gtype },
          }
        elseif not quantity(area) then
          add {
            rule = "geolocation-polygon", gap_type = "MISSING_EVIDENCE", severity = "minor",
            message = ("batch %s: origin plot %s is geolocated by a point but %s, so it cannot be "
              .. "told whether a polygon is required (plots of more than %s ha); record the "
              .. "plot's area"):format(v.batch, pid,
                area == nil and "its area_ha is not recorded"
                  or ("its area_ha (%s) is not a number of hectares"):format(tostring(area)),
                num(s.polygon_area)),
            evidence_required = { "plot_area", "polygon_geolocation" },
            details = { polygon_area_ha = s.polygon_area, geometry = gtype },
          }
        end
      end
      if p.deforestation_verified ~= true then
        add {
          rule = "deforestation-unverified", gap_type = "MISSING_EVIDENCE", severity = "major",
          message = ("batch %s: origin plot %s deforestation status not verified%s; check it "
            .. "against satellite imagery or forest monitoring data since %s")
            :format(v.batch, pid,
              p.deforestation_verified == nil and "" or
                (" (deforestation_verified is %s, not true)"):format(
                  type(p.deforestation_verified) == "string" and ("%q"):format(p.deforestation_verified)
                    or tostring(p.deforestation_verified)),
              s.cutoff),
          evidence_required = { "satellite_imagery", "forest_monitoring_data" },
        }
      end
      local lost = p.deforested_at
      if lost ~= nil then
        if not time.valid(lost) then
          add {
            rule = "deforestation-after-cutoff", gap_type = "UNVERIFIED_ORIGIN", severity = "major",
            message = ("batch %s: origin plot %s records forest loss at an unreadable date (%s), so "
              .. "it cannot be told whether it was after the %s cut-off; record the detection date")
              :format(v.batch, pid, type(lost) == "string" and ("%q"):format(lost) or type(lost), s.cutoff),
            evidence_required = { "satellite_imagery", "forest_monitoring_data" },
            details = { cutoff = s.cutoff },
          }
        else
          local on = time.local_day(lost, s.zone)
          local after = time.days_between(s.cutoff, on)
          if after > 0 then
            add {
              rule = "deforestation-after-cutoff", gap_type = "UNVERIFIED_ORIGIN", severity = "critical",
              message = ("batch %s: origin plot %s lost forest on %s, %d day%s after the %s cut-off: "
                .. "the product is not deforestation-free and may not be placed on or exported from "
                .. "the EU market; exclude this plot's goods from the batch")
                :format(v.batch, pid, on, after, after == 1 and "" or "s", s.cutoff),
              evidence_required = { "satellite_imagery", "forest_monitoring_data" },
              details = { deforested_at = on, cutoff = s.cutoff, days_after_cutoff = after },
            }
          end
        end
      end
      if clean then v.verified_plots[#v.verified_plots + 1] = pid end
    end
    ::next_plot::
  end
end

-- ------------------------------------------------------------------
-- step 2: custody chain
-- ------------------------------------------------------------------

local CUSTODY_RULES = {
  ["custody-missing"] = true, ["transfer-incomplete"] = true, ["transfer-undocumented"] = true,
  ["custody-gap"] = true, ["custody-origin"] = true, ["custody-order"] = true,
  ["custody-cycle"] = true,
}

-- Does the transfer carry supporting documents (a non-empty list holding at
-- least one non-empty reference)?
local function documented(docs)
  for i = 1, len(docs) or 0 do
    local r = docs[i]
    if (type(r) == "string" and r ~= "") or type(r) == "table" or type(r) == "number" then
      return true
    end
  end
  return false
end

-- The graph checks (edict.chain) on the usable transfers.
local function verify_graph(v, recs, pos_of)
  local nodes, seen = {}, {}
  for _, id in ipairs(v.plot_ids) do
    if not seen[id] then
      seen[id] = true
      nodes[#nodes + 1] = { id = id }
    end
  end
  local edges, first_out, usable = {}, {}, {}
  for _, r in ipairs(recs) do -- recs are in the seed's (date) order
    if r.from ~= nil and r.to ~= nil then
      if not seen[r.to] then
        seen[r.to] = true
        nodes[#nodes + 1] = { id = r.to }
      end
      edges[#edges + 1] = { from = r.from, to = r.to, date = r.date, id = r.index }
      if first_out[r.from] == nil then first_out[r.from] = r end
      usable[#usable + 1] = r
    end
  end
  if #edges == 0 then return end
  local g = chain.graph { nodes = nodes, edges = edges }
  -- The batch's last holder: where the chain ends (a receiver that passes
  -- nothing on); of several such ends (goods split off), the one reached by
  -- the latest transfer in the seed's order; with none (custody only
  -- circles), the receiver of the latest transfer.
  -- Dated transfers come before undated ones in that order, so an undated
  -- transfer only decides when no dated one does.
  local last
  for _, r in ipairs(usable) do
    if first_out[r.to] == nil and (last == nil or r.date or not last.date) then last = r end
  end
  if last == nil then
    for _, r in ipairs(usable) do
      if last == nil or r.date or not last.date then last = r end
    end
  end
  local holder = last.to
  v.holder = holder

  -- (a) plots and transfers. Seed 002's custody check does not trace the
  -- transfers back to the plots: a plot is tied to the batch by its
  -- geolocation in the due-diligence statement (Reg. 2023/1115 Art.
  -- 9(1)(d)) and verified by its own rules, and the first holder in a real
  -- chain is a cooperative, trader or exporter, not the plot. So nothing
  -- here lowers the score. Only when the transfers do name declared plots
  -- as parties (the operator records the first mile) is a declared plot
  -- that no transfer names worth a note: info, no gap.
  local named = {}
  for _, r in ipairs(usable) do
    named[r.from], named[r.to] = true, true
  end
  local any_named = false
  for _, id in ipairs(v.plot_ids) do
    if named[id] then any_named = true end
  end
  if any_named then
    local done = {}
    for _, id in ipairs(v.plot_ids) do
      if not named[id] and not done[id] then
        done[id] = true
        v.add {
          rule = "custody-origin", gap_type = "MISSING_CUSTODY_TRANSFER", severity = "info",
          location = "ORIGIN", entity_type = "PLOT", entity_id = tostring(id),
          message = ("batch %s: origin plot %s is declared, but unlike the batch's other plots no "
            .. "custody transfer names it (a note, not a gap: the plot is tied to the batch by its "
            .. "geolocation); record its first transfer if the goods left it that way")
            :format(v.batch, tostring(id)),
          evidence_required = { "custody_transfer_records" },
          details = { plot_id = id, holder = holder },
        }
      end
    end
  end

  -- (b) cycles: custody returning to an earlier holder. Seed 002 has no
  -- such gap and a return of goods can be legitimate: an info note.
  for _, cyc in ipairs(g:cycles()) do
    local names = {}
    for k, id in ipairs(cyc) do names[k] = tostring(id) end
    names[#names + 1] = names[1]
    v.add {
      rule = "custody-cycle", gap_type = "MISSING_EVIDENCE", severity = "info",
      location = "CHAIN", entity_type = "BATCH", entity_id = v.batch_id,
      message = ("batch %s: custody goes round in a loop (%s), a note, not a gap; keep the return "
        .. "note with the transfer records"):format(v.batch, table.concat(names, " -> ")),
      evidence_required = { "return_note", "custody_transfer_records" },
      details = { cycle = cyc },
    }
  end

  -- (c) order: a transfer out of a holder dated before every dated transfer
  -- into it (the goods left before they arrived). Seed 002 sorts the
  -- transfers by date and asks nothing more: an info note, no gap.
  local best = {} -- out edge index -> pair with the largest days
  for _, p in ipairs(g:gaps(holder)) do
    local b = best[p.to_edge]
    if b == nil or p.days > b.days then best[p.to_edge] = p end
  end
  local by_index = {}
  for _, r in ipairs(recs) do by_index[r.index] = r end
  for _, r in ipairs(recs) do
    local p = best[r.index]
    if p and p.days < 0 then
      local into = by_index[p.from_edge]
      v.add {
        rule = "custody-order", gap_type = "TEMPORAL_GAP", severity = "info",
        location = ("TRANSFER_%d"):format(pos_of[r.index]),
        entity_type = "CUSTODY_TRANSFER", entity_id = r.id,
        message = ("batch %s: transfer %s moves the goods out of %s on %s, %d day%s before any "
          .. "recorded transfer into %s (the earliest, %s, on %s), a note, not a gap; check the dates "
          .. "or record the missing inbound transfer")
          :format(v.batch, r.id, tostring(r.from), r.date, -p.days, p.days == -1 and "" or "s",
            tostring(r.from), into.id, into.date),
        evidence_required = { "delivery_note", "receipt_confirmation" },
        details = { party = r.from, days = p.days, transfer_index = r.index,
                    inbound_transfer = into.id },
      }
    end
  end
end

local function verify_custody(v, d, s)
  local transfers = d.transfers
  if not is_list(transfers) then
    v.add {
      rule = "custody-missing", gap_type = "MISSING_CUSTODY_TRANSFER", location = "CHAIN",
      severity = "critical", entity_type = "BATCH", entity_id = v.batch_id,
      message = ("batch %s: no custody transfers recorded%s; record every transfer of the goods "
        .. "from the origin plots to the current holder with its transport documents")
        :format(v.batch, (transfers == nil or len(transfers)) and "" or " (transfers is not a list of transfers)"),
      evidence_required = { "custody_transfer_records", "transport_documents" },
    }
    return
  end

  -- The transfer records, in the seed's order: sorted by date (ties in list
  -- order); transfers without a readable date after them, in list order.
  local recs = {}
  for i = 1, len(transfers) do
    local t = transfers[i]
    local r = { index = i, t = type(t) == "table" and t or nil }
    if r.t then
      r.id = idtext(r.t.transfer_id) or ("#%d"):format(i)
      r.from, r.to = node_id(r.t.from), node_id(r.t.to)
      if time.valid(r.t.date) then r.date = time.local_day(r.t.date, s.zone) end
    else
      r.id = ("#%d"):format(i)
    end
    recs[#recs + 1] = r
  end
  -- Sorted by a text key ("YYYY-MM-DD" or "~" for no date, then the list
  -- position), so table.sort compares in C instead of calling a Lua
  -- comparator n·log n times.
  local keys, by_key = {}, {}
  for k, r in ipairs(recs) do
    local key = ("%s%010d"):format(r.date or "~", r.index)
    keys[k], by_key[key] = key, r
  end
  table.sort(keys)
  for k, key in ipairs(keys) do recs[k] = by_key[key] end
  local pos_of = {}
  for n, r in ipairs(recs) do pos_of[r.index] = n end

  local prev
  for n, r in ipairs(recs) do
    local loc = ("TRANSFER_%d"):format(n)
    if not r.t then
      v.add {
        rule = "transfer-incomplete", gap_type = "MISSING_EVIDENCE", severity = "major",
        location = loc, entity_type = "CUSTODY_TRANSFER", entity_id = r.id,
        message = ("batch %s: transfer %s is not a transfer record; record it with transfer_id, "
          .. "from, to, date and documents"):format(v.batch, r.id),
        evidence_required = { "custody_transfer_records" },
        details = { transfer_index = r.index },
      }
    else
      local missing, problems = {}, {}
      if r.from == nil then missing[#missing + 1] = "from" end
      if r.to == nil then missing[#missing + 1] = "to" end
      if r.t.date == nil then missing[#missing + 1] = "date" end
      if #missing > 0 then
        problems[1] = ("no %s recorded"):format(table.concat(missing, ", "))
      end
      if r.t.date ~= nil and r.date == nil then
        local x = r.t.date
        problems[#problems + 1] = type(x) == "string"
          and ("date %q is not a valid date"):format(x)
          or ("date is a %s, not a date"):format(type(x))
        missing[#missing + 1] = "valid date"
      end
      if #problems > 0 then
        v.add {
          rule = "transfer-incomplete", gap_type = "MISSING_EVIDENCE", severity = "major",
          location = loc, entity_type = "CUSTODY_TRANSFER", entity_id = r.id,
          message = ("batch %s: transfer %s: %s, so the custody chain cannot be followed "
            .. "through it; complete the transfer record"):format(v.batch, r.id,
              table.concat(problems, "; ")),
          evidence_required = { "custody_transfer_records" },
          details = { missing = missing, transfer_index = r.index },
        }
      end
      if not documented(r.t.documents) then
        v.add {
          rule = "transfer-undocumented", gap_type = "MISSING_EVIDENCE", severity = "major",
          location = loc, entity_type = "CUSTODY_TRANSFER", entity_id = r.id,
          message = ("batch %s: transfer %s missing supporting documents; attach the delivery note "
            .. "and the receipt confirmation"):format(v.batch, r.id),
          evidence_required = { "delivery_note", "receipt_confirmation" },
          details = { transfer_index = r.index },
        }
      end
      -- TEMPORAL_GAP between consecutive dated transfers (seed: i > 0).
      if r.date and prev then
        local days = time.days_between(prev.date, r.date)
        if days > s.gap_days then
          local major = days >= s.gap_major_days
          v.add {
            rule = "custody-gap", gap_type = "TEMPORAL_GAP", severity = major and "major" or "minor",
            location = ("BETWEEN_TRANSFER_%d_AND_%d"):format(n - 1, n),
            entity_type = "BATCH", entity_id = v.batch_id,
            message = ("batch %s: %d day gap between transfers %s (%s) and %s (%s), more than %d "
              .. "days; add the storage records covering the gap")
              :format(v.batch, days, prev.id, prev.date, r.id, r.date, s.gap_days),
            evidence_required = { "storage_records", "warehouse_receipts" },
            details = { days = days, from_transfer = prev.id, to_transfer = r.id,
                        gap_days = s.gap_days, major_days = s.gap_major_days },
          }
        end
      end
    end
    if r.date then prev = r end
  end

  verify_graph(v, recs, pos_of)
end

-- ------------------------------------------------------------------
-- step 3: transformations
-- ------------------------------------------------------------------

local function verify_transformations(v, d, s)
  local list = d.transformations
  if list == nil then return end -- the seed: only if batch.has_transformations
  if len(list) == nil then
    v.add {
      rule = "transformation-linkage", gap_type = "MISSING_TRANSFORMATION", severity = "major",
      location = "TRANSFORMATION", entity_type = "BATCH", entity_id = v.batch_id,
      message = ("batch %s: transformations is %s, not a list of transformation records; "
        .. "record each processing step with its input and output batches")
        :format(v.batch, type(list) == "table" and "a single object" or ("a " .. type(list))),
      evidence_required = { "processing_record", "yield_calculation" },
    }
    return
  end
  for i = 1, len(list) do
    local t = list[i]
    local name = type(t) == "table" and idtext(t.id) or ("#%d"):format(i)
    local function add(g)
      g.location, g.entity_type, g.entity_id = "TRANSFORMATION", "TRANSFORMATION", name
      g.details = g.details or {}
      g.details.transformation_index = i
      v.add(g)
    end
    if type(t) ~= "table" then
      add {
        rule = "transformation-linkage", gap_type = "MISSING_TRANSFORMATION", severity = "major",
        message = ("batch %s: transformation %s is not a transformation record; record its inputs, "
          .. "outputs and quantities"):format(v.batch, name),
        evidence_required = { "processing_record", "yield_calculation" },
      }
    else
      local empty = {}
      if not is_list(t.inputs) then empty[#empty + 1] = "inputs" end
      if not is_list(t.outputs) then empty[#empty + 1] = "outputs" end
      if #empty > 0 then
        add {
          rule = "transformation-linkage", gap_type = "MISSING_TRANSFORMATION", severity = "major",
          message = ("batch %s: transformation %s has incomplete batch linkage (no %s); record the "
            .. "batches that went in and came out"):format(v.batch, name, table.concat(empty, " and ")),
          evidence_required = { "processing_record", "yield_calculation" },
          details = { missing = empty },
        }
      end
      local bad = {}
      for _, f in ipairs { "input_kg", "output_kg", "yield_ratio" } do
        if not quantity(t[f]) then bad[#bad + 1] = f end
      end
      if #bad > 0 then
        add {
          rule = "mass-balance", gap_type = "QUANTITY_MISMATCH", severity = "major",
          message = ("batch %s: transformation %s mass balance cannot be checked: %s not recorded as "
            .. "a number >= 0; record the quantities in kg and the yield ratio")
            :format(v.batch, name, table.concat(bad, ", ")),
          evidence_required = { "mass_balance_records", "processing_yields" },
          details = { missing = bad },
        }
      else
        local b = chain.mass_balance({ { id = i, input_kg = t.input_kg, output_kg = t.output_kg,
                                         yield_ratio = t.yield_ratio } }, s.tolerance)[1]
        if not b.ok then
          add {
            rule = "mass-balance", gap_type = "QUANTITY_MISMATCH", severity = "major",
            message = ("batch %s: transformation %s has quantity mismatch: %s kg in × yield %s = %s kg "
              .. "expected, %s kg recorded out (tolerance %s%%); reconcile the mass balance records")
              :format(v.batch, name, num(t.input_kg), num(t.yield_ratio), num(b.expected_kg),
                num(t.output_kg), num(s.tolerance * 100)),
            evidence_required = { "mass_balance_records", "processing_yields" },
            details = { expected_kg = b.expected_kg, actual_kg = b.actual_kg, ratio = b.ratio,
                        tolerance = s.tolerance },
          }
        end
      end
    end
  end
end

-- ------------------------------------------------------------------
-- step 4: confidence and status (seed: exactly)
-- ------------------------------------------------------------------

local DEDUCT = { critical = 25, major = 10, minor = 5 }

local function conclude(v)
  local score = 100
  local n = { critical = 0, major = 0, minor = 0 }
  local custody_broken = false
  for _, g in ipairs(v.gaps) do
    score = score - DEDUCT[g.severity]
    n[g.severity] = n[g.severity] + 1
    if CUSTODY_RULES[g.rule] and (g.severity == "critical" or g.severity == "major") then
      custody_broken = true
    end
  end
  if score < 0 then score = 0 end
  local status
  if n.critical > 0 then
    status = "UNVERIFIED"
  elseif n.major > 0 then
    status = "PARTIALLY_VERIFIED"
  elseif score >= 90 then
    status = "VERIFIED"
  elseif score >= 70 then
    status = "PARTIALLY_VERIFIED"
  else
    status = "INCONCLUSIVE"
  end
  v.confidence, v.status, v.counts = score, status, n
  v.chain_complete = #v.gaps == 0
  v.custody_chain_verified = not custody_broken
end

-- ------------------------------------------------------------------
-- public
-- ------------------------------------------------------------------

-- run(e, ctx) -> the verification of a batch.verify event:
--   { batch_id, batch (for messages), gaps = {…}, status, confidence,
--     counts = {critical, major, minor}, chain_complete,
--     custody_chain_verified, verified_plots = {plot ids}, holder }
function M.run(e, ctx)
  local d = e.data or {}
  local s = settings(ctx.params)
  s.zone = ctx.zone
  local v = { gaps = {}, plot_ids = {}, verified_plots = {} }
  v.batch_id = idtext(d.batch_id)
  v.batch = v.batch_id or "(no batch_id)"
  v.notes = {} -- info findings: observations that are no gap and leave the confidence alone
  v.add = function(g)
    if g.severity == "info" then v.notes[#v.notes + 1] = g else v.gaps[#v.gaps + 1] = g end
  end
  verify_origin(v, d, s)
  verify_custody(v, d, s)
  verify_transformations(v, d, s)
  conclude(v)
  return v
end

-- At most this many findings per rule and decision (the engine refuses
-- more than 1,000 from one check). Past it, the rest are summed up in one
-- finding. 100 gaps cost at least 500 points, so the score is 0 with or
-- without the rest, like the confidence: the two still agree.
local MAX_FINDINGS = 100

local SEVERITY_RANK = { critical = 3, major = 2, minor = 1, info = 0 }

-- findings(v, name) -> the findings of rule eu-eudr/<name>, or nil.
function M.findings(v, name)
  local out, rest, worst = {}, 0, nil
  local all = {}
  for _, g in ipairs(v.gaps) do all[#all + 1] = g end
  for _, g in ipairs(v.notes or {}) do all[#all + 1] = g end
  for _, g in ipairs(all) do
    if g.rule == name then
      if #out < MAX_FINDINGS - 1 then
        local details = { gap_type = g.gap_type, location = g.location, batch_id = v.batch_id,
                          affected_entity_type = g.entity_type, affected_entity_id = g.entity_id }
        for k, x in pairs(g.details or {}) do details[k] = x end
        out[#out + 1] = { message = g.message, severity = g.severity,
                          evidence_required = g.evidence_required, details = details }
      else
        rest = rest + 1
        if not worst or SEVERITY_RANK[g.severity] > SEVERITY_RANK[worst.severity] then worst = g end
      end
    end
  end
  if rest == 1 then
    out[#out + 1] = M.findings({ gaps = { worst }, batch_id = v.batch_id }, name)[1]
  elseif rest > 1 then
    out[#out + 1] = {
      message = ("batch %s: %d more gaps of this kind (%s) not listed one by one; the worst: %s")
        :format(v.batch, rest, worst.gap_type, worst.message),
      severity = worst.severity,
      evidence_required = worst.evidence_required,
      details = { gap_type = worst.gap_type, batch_id = v.batch_id, more_gaps = rest },
    }
  end
  if #out > 0 then return out end
  return nil
end

return M
