-- jurisdictions/eu-eudr/batch.lua — batch.verify: seed 002's chain-of-custody
-- verification (TraceabilityVerificationEngine.verify_batch_traceability),
-- one rule per kind of gap so that every finding is named, plus the
-- verification's status and confidence (chain-status) and the retention.
--
-- The verification itself is lib/verify.lua: every rule below computes it
-- from the event (a pure function of e.data and the params) and reports
-- only its own gaps, so the findings and the status always agree: the
-- decision's score equals the seed's confidence score.
--
-- Data read (DESIGN.md catalogue, plus optional fields this pack accepts):
--   batch_id; operator_size (application date, lib/application.lua);
--   origin_plots[{plot_id, geolocation{type, coordinates}, area_ha,
--     deforestation_verified, deforested_at, commodity}];
--   transfers[{transfer_id, from, to, date, documents}];
--   transformations[{id, inputs, outputs, input_kg, output_kg, yield_ratio}].
-- Before the operator's application date only not-yet-in-force speaks.
-- luacheck: globals rule

local window = require "edict.window"
local application = require "lib.application"
local verify = require "lib.verify"

local SEED = "seed 002 policy: TraceabilityVerificationEngine"

-- A check reporting the gaps that lib/verify.lua tags with `name`.
local function gaps_of(name)
  return function(e, ctx)
    if not application.in_force(e, ctx) then return end
    return verify.findings(verify.run(e, ctx), name)
  end
end

rule {
  id = "eu-eudr/batch-retention",
  on = "batch.verify",
  severity = "info",
  cite = "Reg. (EU) 2023/1115 Art. 9 information kept 5 years; seed 002 policy: 5-year record retention",
  -- No finding: the verification and the Art. 9 information behind it are
  -- kept 5 years from the verification (occurred_at's date in Brussels). FACTS §5
  -- marks the Art. 9 period [S]; the DDS it supports is kept 5 years from
  -- submission under Art. 4 (dds.lua). Set also before the application date.
  check = function(e, ctx)
    window.retain_years(e, ctx, "retention_years")
  end,
}

-- ---------------------------------------------------------------- origin

rule {
  id = "eu-eudr/origin-missing",
  on = "batch.verify",
  severity = "critical",
  -- Seed UNVERIFIED_ORIGIN ("plot not found in registry", CRITICAL), read
  -- here as: no origin plots at all, or a plot record without a plot_id
  -- (it cannot be looked up). Art. 9 requires the geolocation of every
  -- plot of production, which presupposes knowing the plots.
  cite = "Reg. (EU) 2023/1115 Art. 9 (geolocation of all plots of production); " .. SEED .. " UNVERIFIED_ORIGIN",
  check = gaps_of("origin-missing"),
}

rule {
  id = "eu-eudr/geolocation-missing",
  on = "batch.verify",
  severity = "critical",
  -- Seed MISSING_EVIDENCE "missing valid geolocation evidence" (CRITICAL).
  -- Valid = GeoJSON-like Point [lon, lat] in range, Polygon of closed rings
  -- of at least 4 positions, or MultiPolygon of such polygons. The
  -- 6-decimal precision of FACTS §5 cannot be checked on a JSON number
  -- (1.5 and 1.500000 are the same value) and is not.
  cite = "Reg. (EU) 2023/1115 Art. 9 (geolocation of all plots of production); " .. SEED .. " MISSING_EVIDENCE",
  check = gaps_of("geolocation-missing"),
}

rule {
  id = "eu-eudr/geolocation-polygon",
  on = "batch.verify",
  severity = "critical",
  -- EC guidance (FACTS §5 [P]): plots of MORE than 4 ha (params
  -- polygon_area_ha), other than for cattle, need a polygon; 4 ha exactly
  -- may be a point. A point for a larger plot is not valid geolocation,
  -- hence critical like a missing one. A point whose area_ha is missing or
  -- not a number cannot be checked: minor (most plots given as points are
  -- smallholdings, but the operator must know). commodity missing = not
  -- cattle (the rule applies).
  cite = "EC Green Business geolocation guidance (plots of more than 4 ha: polygon; cattle: point); Reg. (EU) 2023/1115 Art. 9",
  check = gaps_of("geolocation-polygon"),
}

rule {
  id = "eu-eudr/deforestation-unverified",
  on = "batch.verify",
  severity = "major",
  -- Seed MISSING_EVIDENCE "deforestation status not verified" (MAJOR).
  -- Only the JSON value true counts as verified ("yes", 1 do not).
  cite = "Reg. (EU) 2023/1115 Art. 3 (deforestation-free); " .. SEED .. " MISSING_EVIDENCE",
  check = gaps_of("deforestation-unverified"),
}

rule {
  id = "eu-eudr/deforestation-after-cutoff",
  on = "batch.verify",
  severity = "critical",
  -- Not in the seed. Art. 3: only deforestation-free products may be placed
  -- on the market; "deforestation-free" means no deforestation after the
  -- cut-off date of 31 Dec 2020 (Art. 2(13) per FACTS §5 [S]; the article
  -- number is [U], the date a param). deforested_at (date forest loss was
  -- detected, its date in Brussels) after the cut-off → critical (gap type
  -- UNVERIFIED_ORIGIN: the origin fails verification); ON the cut-off day →
  -- fine; an unreadable date → major (cannot be checked); absent → no loss
  -- recorded, nothing to say (deforestation-unverified covers the check).
  cite = "Reg. (EU) 2023/1115 Art. 3 and Art. 2(13) (cut-off date 31 Dec 2020; article number unverified)",
  check = gaps_of("deforestation-after-cutoff"),
}

-- ---------------------------------------------------------------- custody

rule {
  id = "eu-eudr/custody-missing",
  on = "batch.verify",
  severity = "critical",
  -- Seed MISSING_CUSTODY_TRANSFER "No custody transfers recorded" (CRITICAL,
  -- location CHAIN). transfers absent, empty or not a list.
  cite = SEED .. " MISSING_CUSTODY_TRANSFER (chain of custody from origin plot to EU market)",
  check = gaps_of("custody-missing"),
}

rule {
  id = "eu-eudr/transfer-undocumented",
  on = "batch.verify",
  severity = "major",
  -- Seed MISSING_EVIDENCE "Transfer … missing supporting documents" (MAJOR).
  -- documents must be a list holding at least one reference (a non-empty
  -- string, a number or a document record).
  cite = SEED .. " MISSING_EVIDENCE (custody transfer documents)",
  check = gaps_of("transfer-undocumented"),
}

rule {
  id = "eu-eudr/transfer-incomplete",
  on = "batch.verify",
  severity = "major",
  -- Not a seed gap of its own: the seed's records always have parties and a
  -- date. A transfer without from, to or a readable date cannot be placed in
  -- the chain (no graph edge, no temporal check): major, like a transfer
  -- without documents (MISSING_EVIDENCE). transfer_id is not required;
  -- messages then name the transfer by its position (#n).
  cite = SEED .. " MISSING_EVIDENCE (custody transfer record)",
  check = gaps_of("transfer-incomplete"),
}

rule {
  id = "eu-eudr/custody-gap",
  on = "batch.verify",
  severity = "minor", -- major from custody_gap_major_days, set per finding
  -- Seed TEMPORAL_GAP: transfers sorted by date; between consecutive ones
  -- days > 30 → MINOR if days < 90 else MAJOR (params custody_gap_days,
  -- custody_gap_major_days). Days = difference of the dates in Brussels
  -- (a date-only transfer date is that day), so 30 is nothing, 31 minor,
  -- 89 minor, 90 major. Transfers
  -- without a readable date are left out (transfer-incomplete names them).
  cite = SEED .. " TEMPORAL_GAP (30/90-day gaps between custody transfers)",
  check = gaps_of("custody-gap"),
}

rule {
  id = "eu-eudr/custody-origin",
  on = "batch.verify",
  severity = "info",
  -- Not a gap. Seed 002's _verify_custody_chain asks three things of the
  -- transfers (some recorded, each documented, no temporal gap) and never
  -- traces them back to the plots: a plot is tied to the batch by its
  -- geolocation in the due-diligence statement (Reg. 2023/1115 Art.
  -- 9(1)(d)) and verified by its own rules, and a real chain starts at a
  -- cooperative, trader or exporter, not at the plot. When the transfers
  -- do name some declared plots as parties, a declared plot that none
  -- names gets this note; otherwise nothing is said.
  cite = SEED .. " _verify_custody_chain; Reg. (EU) 2023/1115 Art. 9(1)(d) (geolocation of the plots)",
  check = gaps_of("custody-origin"),
}

rule {
  id = "eu-eudr/custody-order",
  on = "batch.verify",
  severity = "info",
  -- edict.chain g:gaps: at a holder on the path into the last holder, a
  -- dated transfer out that is earlier than every dated transfer in: the
  -- goods left before they arrived. The seed sorts transfers by date and
  -- asks nothing more, so this is a note for the analyst, not a gap.
  cite = SEED .. " TEMPORAL_GAP (custody transfer sequence)",
  check = gaps_of("custody-order"),
}

rule {
  id = "eu-eudr/custody-cycle",
  on = "batch.verify",
  severity = "info",
  -- edict.chain g:cycles: custody returning to an earlier holder. A return
  -- of goods can be legitimate and the seed has no such gap: a note.
  cite = SEED .. " MISSING_EVIDENCE (custody chain continuity)",
  check = gaps_of("custody-cycle"),
}

-- ---------------------------------------------------------------- transformations

rule {
  id = "eu-eudr/transformation-linkage",
  on = "batch.verify",
  severity = "major",
  -- Seed MISSING_TRANSFORMATION "incomplete batch linkage" (MAJOR): inputs
  -- or outputs empty or missing (or the record is not a record).
  cite = SEED .. " MISSING_TRANSFORMATION",
  check = gaps_of("transformation-linkage"),
}

rule {
  id = "eu-eudr/mass-balance",
  on = "batch.verify",
  severity = "major",
  -- Seed QUANTITY_MISMATCH (MAJOR), with edict.chain.mass_balance:
  -- expected = input_kg × yield_ratio, mismatch when |output_kg − expected|
  -- > mass_balance_tolerance × expected (the seed gives no tolerance; 1 %).
  -- Quantities missing or not numbers >= 0: the balance cannot be verified,
  -- which the seed's _verify_mass_balance also reports as a mismatch.
  cite = SEED .. " QUANTITY_MISMATCH (mass balance)",
  check = gaps_of("mass-balance"),
}

-- ---------------------------------------------------------------- status

rule {
  id = "eu-eudr/chain-status",
  on = "batch.verify",
  severity = "info",
  -- Seed _calculate_confidence and _determine_status, exactly: confidence =
  -- 100 − 25·critical − 10·major − 5·minor gaps, floored at 0; UNVERIFIED if
  -- any critical gap, else PARTIALLY_VERIFIED if any major, else VERIFIED
  -- at >= 90, PARTIALLY_VERIFIED at >= 70, else INCONCLUSIVE. One info
  -- finding on every in-force batch.verify (it is the report, not a gap).
  cite = SEED .. " (_calculate_confidence, _determine_status)",
  check = function(e, ctx)
    if not application.in_force(e, ctx) then return end
    local v = verify.run(e, ctx)
    local what
    if #v.gaps == 0 then
      what = "no gaps, chain complete"
    else
      local per, order = {}, {}
      for _, g in ipairs(v.gaps) do
        if not per[g.rule] then
          per[g.rule] = 0
          order[#order + 1] = g.rule
        end
        per[g.rule] = per[g.rule] + 1
      end
      local parts = {}
      for k, r in ipairs(order) do parts[k] = ("%s ×%d"):format(r, per[r]) end
      what = ("%d critical, %d major, %d minor gap%s (%s); close the gaps reported in this decision")
        :format(v.counts.critical, v.counts.major, v.counts.minor, #v.gaps == 1 and "" or "s",
          table.concat(parts, ", "))
    end
    return {
      message = ("batch %s chain of custody %s (confidence %d): %s")
        :format(v.batch, v.status, v.confidence, what),
      details = {
        batch_id = v.batch_id, status = v.status, confidence_score = v.confidence,
        chain_complete = v.chain_complete, custody_chain_verified = v.custody_chain_verified,
        origin_plots_verified = v.verified_plots, gaps = #v.gaps,
        critical = v.counts.critical, major = v.counts.major, minor = v.counts.minor,
        last_holder = v.holder,
      },
    }
  end,
}
