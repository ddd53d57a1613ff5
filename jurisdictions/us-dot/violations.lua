-- jurisdictions/us-dot/violations.lua — reporting drug and alcohol program
-- violations to the Clearinghouse (49 CFR 382.705) for driver.status:
-- `violations[{determined_at, reported_at}]`, one entry per violation the
-- employer learned of (an optional `id` is named in messages).
--
-- 382.705(b): the employer reports "by the close of the third business day
-- following the date on which" it obtained the information [U in FACTS.md:
-- text not retrieved; the figure is params.violation_report_business_days].
-- Late reports are accepted, but the Clearinghouse records the date [P F2].
-- luacheck: globals rule

local time = require "edict.time"
local F = require "lib.fields"

local ORDINAL = { "first", "second", "third", "fourth", "fifth" }

-- How a message names violation i.
local function label(v, i)
  if type(v) == "table" and (type(v.id) == "string" or math.type(v.id) == "integer")
      and v.id ~= "" then
    return ("violation %s (#%d)"):format(tostring(v.id), i)
  end
  return ("violation #%d"):format(i)
end

-- Violation reporting (382.705(b)), major: a late report is a reporting
-- failure the Clearinghouse records, not a driver on the road unchecked,
-- and DESIGN.md's catalogue sets major.
--
-- Readings:
--   * time.business_deadline(determined_at, 3, zone): business days are
--     Monday–Friday except observed US federal holidays [U: Part 382
--     defines none]; the day of determination never counts, whatever its
--     hour; the deadline is the whole 3rd business day after it.
--   * "Close" = the end of that local day on the employer's clock:
--     params.zone when set, else the pack's zone (America/Chicago), DST
--     followed, whatever offset determined_at, reported_at and as_of are
--     written in (a report at 23:59 on the due day is on time, 00:00 the
--     next day is late). A plain date is that day.
--   * reported_at after the close → major. Not reported and as_of past the
--     close → major. Not reported, still in time → an obligation due on the
--     deadline's date (the close of that day; a date, since the law counts
--     days).
--   * Missing violations: does not apply. violations not a list, an entry
--     not an object, a missing or unreadable determined_at, an unreadable
--     reported_at: a major finding each (cannot be checked).
rule {
  id = "us-dot/violation-report",
  on = "driver.status",
  severity = "major",
  cite = "49 CFR 382.705",
  check = function(e, ctx)
    local d = F.data(e)
    local who = F.driver(d)
    local vs = d.violations
    if vs == nil then return end
    if type(vs) ~= "table" then
      return F.bad_field(d, "violations", ("is a %s, not a list"):format(type(vs)))
    end
    local n = 0
    for _ in pairs(vs) do n = n + 1 end
    if n ~= #vs then
      return F.bad_field(d, "violations", "is an object, not a list of violations")
    end

    local zone = F.zone(ctx)
    local nbd = F.count_param(ctx, "violation_report_business_days")
    if nbd < 1 then error("params.violation_report_business_days must be at least 1", 0) end
    local out = {}
    for i, v in ipairs(vs) do
      local name = ("violations[%d]"):format(i)
      if type(v) ~= "table" then
        out[#out + 1] = F.bad_field(d, name, ("is a %s, not a violation record"):format(type(v)))
        goto continue
      end
      do
        local ds, dv = F.read(v.determined_at, "any")
        local rs, rv = F.read(v.reported_at, "any")
        if ds == "bad" then out[#out + 1] = F.bad_field(d, name .. ".determined_at", dv) end
        if rs == "bad" then
          out[#out + 1] = F.bad_field(d, name .. ".reported_at", rv, "clearinghouse_report_receipt")
        end
        if ds == "absent" then
          out[#out + 1] = {
            message = ("driver %s: %s has no determined_at, so its Clearinghouse reporting "
              .. "deadline cannot be computed; record when the employer learned of it")
              :format(who, label(v, i)),
            evidence_required = { "violation_determination_record" },
            details = { driver_id = d.driver_id, index = i },
          }
        end
        if ds ~= "ok" or rs == "bad" then goto continue end

        local due = time.business_deadline(dv, nbd, zone)
        local clock = zone
        local details = {
          driver_id = d.driver_id, index = i, id = v.id, determined_at = dv,
          determined_on = F.day(dv, ctx), due = due, business_days = nbd,
          clock = clock,
        }
        if rs == "ok" then
          local rday = F.day(rv, ctx)
          if rday > due then
            local late = time.business_days_between(due, rday)
            details.reported_at, details.reported_on = rv, rday
            details.business_days_late = late
            out[#out + 1] = {
              message = ("driver %s: %s determined %s was reported to the Clearinghouse at %s "
                .. "(%s), after the close of %s (%s), the %s business day after; record why it "
                .. "was late"):format(who, label(v, i), dv, rv, rday, due, clock,
                  ORDINAL[nbd] or ("%dth"):format(nbd)),
              evidence_required = { "clearinghouse_report_receipt" },
              details = details,
            }
          end
        else
          local today = F.today(ctx)
          if today > due then
            details.as_of_day = today
            out[#out + 1] = {
              message = ("driver %s: %s determined %s has not been reported to the "
                .. "Clearinghouse; it was due by the close of %s (%s). Report it now")
                :format(who, label(v, i), dv, due, clock),
              evidence_required = { "clearinghouse_report_receipt" },
              details = details,
            }
          else
            ctx.obligation {
              action = "report_violation_to_clearinghouse",
              due = due,
              note = ("driver %s: report %s, determined %s, to the Clearinghouse by the close "
                .. "of %s (%s)"):format(who, label(v, i), dv, due, clock),
            }
          end
        end
      end
      ::continue::
    end
    return out
  end,
}
