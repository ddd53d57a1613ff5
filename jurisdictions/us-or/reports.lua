-- jurisdictions/us-or/reports.lua — reporting deadlines: the monthly report
-- after a period.closed (seed 000 policy) and the CTS entry of an
-- inventory.moved (a policy window under OAR 845-025-7540).
--
-- Both follow one pattern: while the report is not made, an obligation
-- carries the deadline; once as_of is past it, a finding says it is overdue
-- (and the obligation stays: the report is still owed). A report made is
-- judged by when it was made. Day deadlines are on Oregon's local calendar
-- (params.zone); the CTS window is in hours, instant arithmetic.
-- luacheck: globals rule

local time = require "edict.time"
local U = require "lib.util"
local window = require "edict.window"

local MONTHLY = "seed 000 policy: Monthly reports due 15 days after month end"
local CTS = "OAR 845-025-7540; seed 000 policy: Keep state systems updated with all inventory movements"

-- The period's first day ("2026-03" → "2026-03-01"), or nil and why.
local function period_start(p)
  if p == nil then return nil, "period is not recorded" end
  if type(p) ~= "string" then return nil, ("period is %s, not YYYY-MM"):format(U.describe(p)) end
  local y, mm = p:match("^(%d%d%d%d)%-(%d%d)$")
  local m = tonumber(mm or "")
  if not y or m < 1 or m > 12 then
    return nil, ("period %q is not a month written YYYY-MM"):format(p)
  end
  return ("%s-%02d-01"):format(y, m)
end

-- A period.closed without a readable period cannot be scheduled: major, so
-- it is fixed (the report it triggers would otherwise go untracked). Not a
-- rule error: the rest of the decision stands.
rule {
  id = "us-or/monthly-report-period",
  on = "period.closed",
  severity = "major",
  cite = MONTHLY,
  check = function(e, ctx)
    local d = e.data or {}
    local start, why = period_start(d.period)
    if start then return end
    return {
      message = ("period.closed %s: %s, so the monthly report's due date cannot be set; "
        .. "record the closed month as YYYY-MM (e.g. 2026-03)"):format(e.id, why),
      evidence_required = { "period" },
      details = { period = type(d.period) == "string" and d.period or nil },
    }
  end,
}

-- The seed's monthly report: due params.monthly_report_days_after_month_end
-- (15) days after the last day of the closed month, i.e. by the 15th of the
-- next month, inclusive, on Oregon's calendar. Optional
-- report_submitted_at (an extra field) says it was made.
--   not made, as_of on or before the due date → obligation only
--   not made, as_of after the due date        → minor (overdue) + obligation
--   made after the due date                   → minor (late)
--   made on or before the due date            → holds
-- Minor, not major: FACTS.md found no OLCC monthly report, so a late report
-- breaks the operator's policy, not a rule OLCC enforces (counsel list).
rule {
  id = "us-or/monthly-report",
  on = "period.closed",
  severity = "minor",
  cite = MONTHLY,
  check = function(e, ctx)
    local d = e.data or {}
    local start = period_start(d.period)
    if not start then return end -- us-or/monthly-report-period reports it
    local zone = U.zone(ctx)
    local n = U.int_param(ctx, "monthly_report_days_after_month_end", 0)
    local due = time.add_days(time.end_of_month(start), n)
    local period = start:sub(1, 7)
    local details = { period = period, due = due, days_after_month_end = n }

    if d.report_submitted_at ~= nil then
      local day, why = U.local_day(d.report_submitted_at, zone)
      if not day then
        return {
          message = ("monthly report for %s: report_submitted_at %s; record when it was submitted "
            .. "(it was due %s)"):format(period, why, due),
          evidence_required = { "monthly_report_receipt" },
          details = details,
        }
      end
      if day <= due then return end
      local late = time.days_between(due, day)
      details.submitted_local_date, details.days_late = day, late
      return {
        message = ("monthly report for %s was submitted %s, %d day%s after it was due (%s)")
          :format(period, day, late, late == 1 and "" or "s", due),
        evidence_required = { "monthly_report_receipt" },
        details = details,
      }
    end

    ctx.obligation {
      action = "submit_monthly_report",
      due = due,
      note = ("monthly report for %s, due %d days after the month's end"):format(period, n),
    }
    local today = time.local_date(ctx.as_of, zone)
    if today <= due then return end
    local late = time.days_between(due, today)
    details.as_of_local_date, details.days_overdue = today, late
    return {
      message = ("monthly report for %s is overdue: due %s, not submitted as of %s (%d day%s late); "
        .. "submit it and record report_submitted_at"):format(period, due, today, late, late == 1 and "" or "s"),
      evidence_required = { "monthly_report_receipt" },
      details = details,
    }
  end,
}

-- CTS entry of an inventory movement. OAR 845-025-7540 requires CTS to
-- "fully and transparently" account for all inventory activity but sets no
-- hour deadline (FACTS.md), so the window is the operator's policy
-- (params.cts_report_window_hours, default 24, the seed's real-time sync
-- aim); exactly 24 h 0 s after occurred_at is on time.
--   metrc_reported_at missing, as_of within the window → obligation (due the
--     window's end, an RFC 3339 timestamp in Oregon's offset)
--   missing, as_of past the window → minor + obligation: not a breach of a
--     stated deadline, but a movement CTS does not yet account for
--   reported after the window → info (visible, no score): reported is what
--     7540 asks for
--   unreadable metrc_reported_at → minor ("cannot be checked")
rule {
  id = "us-or/cts-entry",
  on = "inventory.moved",
  severity = "minor",
  cite = CTS,
  check = function(e, ctx)
    local d = e.data or {}
    local zone = U.zone(ctx)
    local hours = U.positive_param(ctx, "cts_report_window_hours")
    local secs = math.floor(hours * 3600)
    local due = window.deadline(e.occurred_at, secs, zone)
    local pkg = U.name(d.package_id, "package_id")
    local details = { package_id = d.package_id, occurred_at = e.occurred_at, due = due,
      window_hours = hours }
    local at = d.metrc_reported_at

    if at ~= nil then
      if type(at) ~= "string" or not time.valid(at) or U.is_plain_date(at) then
        return {
          message = ("movement of package %s: metrc_reported_at is %s, not a timestamp; record when "
            .. "it was entered in CTS"):format(pkg, U.describe(at)),
          evidence_required = { "cts_entry" },
          details = details,
        }
      end
      local after = time.seconds_between(e.occurred_at, at)
      if after <= secs then return end
      details.metrc_reported_at, details.hours_after = at, after / 3600
      return {
        message = ("movement of package %s was entered in CTS %s, %.1f h after it happened "
          .. "(policy window %s h)"):format(pkg, at, after / 3600, U.num(hours)),
        severity = "info",
        details = details,
      }
    end

    ctx.obligation {
      action = "report_to_cts",
      due = due,
      note = ("enter the movement of package %s in CTS (Metrc)"):format(pkg),
    }
    local since = time.seconds_between(e.occurred_at, ctx.as_of)
    if since <= secs then return end
    details.as_of, details.hours_since = ctx.as_of, since / 3600
    return {
      message = ("movement of package %s (%s → %s) is not in CTS %.1f h after it happened "
        .. "(policy window %s h, due %s); enter it in Metrc and record metrc_reported_at")
        :format(pkg, U.name(d.from, "from"), U.name(d.to, "to"), since / 3600, U.num(hours), due),
      evidence_required = { "cts_entry" },
      details = details,
    }
  end,
}
