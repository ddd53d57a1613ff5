-- jurisdictions/eu-eudr/dds.lua — dds.submitted (`data.dds_reference`,
-- `data.submitted_at`): the due diligence statement record and its
-- retention.
--
-- Reg. (EU) 2023/1115 Art. 4 (FACTS §5 [P]): the operator keeps each DDS
-- for 5 years from its submission. The record must therefore say which DDS
-- (the reference number the EU Information System returns) and when it
-- was submitted; without either the retention period and the statement
-- cannot be tied to the products it covers.
--
-- Readings taken here:
--   * dds_reference: a non-empty string; missing, empty or another type →
--     major (the record cannot be matched to the filed statement).
--   * submitted_at: a valid RFC 3339 timestamp or YYYY-MM-DD date; missing
--     or invalid → major, and retention is then anchored on occurred_at
--     (the nearest date we have; the decision still gets a date).
--   * before the operator's application date only not-yet-in-force
--     speaks; retention is still set.
-- luacheck: globals rule

local time = require "edict.time"
local window = require "edict.window"
local application = require "lib.application"

local CITE = "Reg. (EU) 2023/1115 Art. 4"

local function dds_name(d)
  local r = d.dds_reference
  if type(r) == "string" and r ~= "" then return r end
  return "(no dds_reference)"
end

rule {
  id = "eu-eudr/dds-retention",
  on = "dds.submitted",
  severity = "info",
  cite = CITE,
  -- No finding: keep the DDS 5 years from submission (submitted_at's date
  -- in Brussels), or from occurred_at when submitted_at is unusable.
  check = function(e, ctx)
    local d = e.data or {}
    local anchor = time.valid(d.submitted_at) and d.submitted_at or e.occurred_at
    window.retain_years(e, ctx, "retention_years", anchor)
  end,
}

rule {
  id = "eu-eudr/dds-reference",
  on = "dds.submitted",
  severity = "major",
  cite = CITE,
  check = function(e, ctx)
    if not application.in_force(e, ctx) then return end
    local d = e.data or {}
    local r = d.dds_reference
    if type(r) == "string" and r ~= "" then return end
    local why = r == nil and "no dds_reference recorded"
      or r == "" and "dds_reference is empty"
      or ("dds_reference is a %s, not the reference text"):format(type(r))
    return {
      message = ("DDS submission on %s cannot be matched to its statement: %s; record the "
        .. "reference number the EU Information System returned for this DDS")
        :format(time.local_day(e.occurred_at, ctx.zone), why),
      evidence_required = { "dds_reference_number" },
      details = { submitted_at = type(d.submitted_at) == "string" and d.submitted_at or nil },
    }
  end,
}

rule {
  id = "eu-eudr/dds-submitted-at",
  on = "dds.submitted",
  severity = "major",
  cite = CITE,
  check = function(e, ctx)
    if not application.in_force(e, ctx) then return end
    local d = e.data or {}
    local s = d.submitted_at
    if time.valid(s) then return end
    local why
    if s == nil then
      why = "no submitted_at recorded"
    elseif type(s) ~= "string" then
      why = ("submitted_at is a %s, not a timestamp"):format(type(s))
    else
      local _, reason = time.valid(s)
      why = ("submitted_at %q is not a valid timestamp (%s)"):format(s, tostring(reason))
    end
    return {
      message = ("DDS %s: %s, so its 5-year retention cannot be anchored on the submission; "
        .. "retention runs from the event date %s until corrected — record the submission "
        .. "timestamp shown in the EU Information System")
        :format(dds_name(d), why, time.local_day(e.occurred_at, ctx.zone)),
      evidence_required = { "dds_submission_receipt" },
      details = { dds_reference = type(d.dds_reference) == "string" and d.dds_reference or nil,
                  retention_anchor = time.local_day(e.occurred_at, ctx.zone) },
    }
  end,
}
