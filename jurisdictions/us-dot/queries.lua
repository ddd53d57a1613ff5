-- jurisdictions/us-dot/queries.lua — Clearinghouse queries for
-- driver.status (49 CFR 382.701): the pre-employment full query before the
-- first safety-sensitive function (a), the annual query (b) and the full
-- query that must follow a limited query showing information within 24
-- hours (b).
--
-- Fields (DESIGN.md catalogue): first_safety_sensitive_at,
-- pre_employment_full_query_at, last_limited_query_at, limited_query_at,
-- limited_query_result ("no_info" / "info_exists"), followup_full_query_at,
-- hired_at. All are optional; lib/fields.lua says how they are read.
--
-- One finding per defect: each field that cannot be read is reported once,
-- as a major finding, by the rule that owns it (pre-employment:
-- hired_at, first_safety_sensitive_at, pre_employment_full_query_at;
-- annual: last_limited_query_at; follow-up: limited_query_result,
-- limited_query_at, followup_full_query_at). A rule that needs a field
-- another rule owns skips it when it is unreadable.
-- luacheck: globals rule

local time = require "edict.time"
local F = require "lib.fields"
local read = require "edict.read"

-- Every query field, the dates the annual query and retention count from.
local QUERY_FIELDS = {
  "pre_employment_full_query_at", "last_limited_query_at",
  "limited_query_at", "followup_full_query_at",
}

local QUERY_NAMES = {
  pre_employment_full_query_at = "pre-employment full query",
  last_limited_query_at = "limited query",
  limited_query_at = "limited query",
  followup_full_query_at = "follow-up full query",
}

-- The day the Clearinghouse began operating and 382.701 began to bind
-- (also the pack's effective_from). Fixed by the rule's own dates, so not a
-- param.
local CLEARINGHOUSE_START = "2020-01-06"

-- Normalised limited query results ("No Info", "info-exists" read too).
local RESULTS = { no_info = "no_info", info_exists = "info_exists" }

-- The later of two civil dates "YYYY-MM-DD" (as_of's and hired_at's).
local function later_date(a, b)
  if a >= b then return a end
  return b
end

-- Pre-employment query (382.701(a)): "employers must not employ a driver
-- ... to perform a safety-sensitive function without first conducting a
-- pre-employment query" — a full query, with the driver's electronic
-- consent in the Clearinghouse [S F2 in FACTS.md].
--
-- Readings:
--   * "first" means strictly BEFORE first_safety_sensitive_at. A query
--     timestamped at exactly the same instant is late: the regulator's
--     reading is that the result must be in hand before the duty starts,
--     and equal timestamps cannot show that. Critical either way (no query,
--     or a query at/after the first duty): the driver worked without the
--     check the rule exists for.
--   * Not yet performed safety-sensitive work (no first_safety_sensitive_at,
--     or one later than as_of, i.e. scheduled): a missing query is an
--     obligation, not a finding. Its due: the scheduled first duty when
--     recorded, else the later of hired_at and as_of's date, with a note
--     that it must come before any safety-sensitive function.
--   * No freshness limit between the query and the first duty is encoded:
--     382.701(a) sets none.
--   * A driver whose first safety-sensitive function was before the
--     Clearinghouse started (2020-01-06, on the employer's clock) owed no
--     pre-employment query: the rule does not apply; the annual query
--     covers such drivers.
--   * Unreadable hired_at, first_safety_sensitive_at or
--     pre_employment_full_query_at: a major finding naming the field; the
--     order of query and duty is then not decided.
rule {
  id = "us-dot/pre-employment-query",
  on = "driver.status",
  severity = "critical",
  cite = "49 CFR 382.701(a)",
  check = function(e, ctx)
    local d = F.data(e)
    local who = F.driver(d)
    local out = {}
    local hs, hv = F.field(d, "hired_at", "any")
    if hs == "bad" then out[#out + 1] = F.bad_field(d, "hired_at", hv) end
    local fs, fv = F.field(d, "first_safety_sensitive_at", "timestamp")
    if fs == "bad" then out[#out + 1] = F.bad_field(d, "first_safety_sensitive_at", fv) end
    local qs, qv = F.field(d, "pre_employment_full_query_at", "timestamp")
    if qs == "bad" then
      out[#out + 1] = F.bad_field(d, "pre_employment_full_query_at", qv,
        "clearinghouse_full_query_record")
    end
    if fs == "bad" or qs == "bad" then return out end
    if fs == "ok" and F.day(fv, ctx) < CLEARINGHOUSE_START then return out end

    local started = fs == "ok" and time.compare(fv, ctx.as_of) <= 0
    if qs == "absent" and not started then
      -- Not yet in safety-sensitive work: the query is still to be run.
      local due
      if fs == "ok" then
        due = fv
      elseif hs == "ok" then
        due = later_date(F.day(hv, ctx), F.today(ctx))
      else
        due = F.today(ctx)
      end
      ctx.obligation {
        action = "run_pre_employment_full_query",
        due = due,
        note = ("driver %s: run a pre-employment full Clearinghouse query (driver's "
          .. "electronic consent first) before the driver's first safety-sensitive function")
          :format(who),
      }
      return out
    end

    if qs == "absent" then
      out[#out + 1] = {
        message = ("driver %s: no pre-employment full Clearinghouse query on record, yet the "
          .. "driver has performed safety-sensitive functions since %s; take the driver off "
          .. "safety-sensitive functions and run a full query now, or produce the query record")
          :format(who, fv),
        evidence_required = { "clearinghouse_full_query_record" },
        details = { driver_id = d.driver_id, first_safety_sensitive_at = fv },
      }
      return out
    end

    if fs == "ok" and time.compare(qv, fv) >= 0 then
      local secs = time.seconds_between(fv, qv)
      local when = secs == 0 and "at the same moment as"
        or ("%s h after"):format(F.hours_text(secs))
      out[#out + 1] = {
        message = ("driver %s: pre-employment full query at %s came %s the first "
          .. "safety-sensitive function at %s; it must be run before it. Produce an earlier "
          .. "query record if one exists, else record the breach and the duty performed "
          .. "without it"):format(who, qv, when, fv),
        evidence_required = { "clearinghouse_full_query_record" },
        details = {
          driver_id = d.driver_id, first_safety_sensitive_at = fv,
          pre_employment_full_query_at = qv, seconds_late = secs,
        },
      }
    end
    -- No first_safety_sensitive_at but a query on record: nothing to decide.
    return out
  end,
}

-- The date up to which (inclusive) a query on civil date `day` satisfies
-- the annual duty, by params.annual_query_cycle.
local function good_through(ctx, day)
  local cycle = ctx.params.annual_query_cycle
  if cycle == "calendar_year" then return time.add_years(day, 1) end
  if cycle == "365_days" then return time.add_days(day, 365) end
  error(("params.annual_query_cycle must be \"calendar_year\" or \"365_days\", got %s")
    :format(tostring(cycle)), 0)
end

-- Annual query (382.701(b)): a query of the Clearinghouse "at least once
-- a year" for each driver employed; a limited query will do [P F2].
--
-- Readings:
--   * Any query counts: the latest of last_limited_query_at,
--     limited_query_at, pre_employment_full_query_at and
--     followup_full_query_at (a full query shows at least what a limited
--     one does). Only queries at or before as_of count (a date-only one:
--     on or before as_of's local date). A
--     query recorded as a date only counts here (this rule only counts
--     days); the rules that need its hour report it.
--   * "A year", default params.annual_query_cycle = "calendar_year": a query
--     on civil date D is good through add_years(D, 1) inclusive
--     (2024-02-29 → 2025-02-28); overdue from the next day. "365_days"
--     (the employer's choice, [S] in FACTS.md): good through D + 365.
--     Dates are local dates on the employer's clock (params.zone, else the
--     pack's zone), whatever offset each timestamp is written in.
--   * Applies to every employed driver (382.701(b)): once the driver has
--     performed safety-sensitive functions (first_safety_sensitive_at at or
--     before as_of), or, when that optional field is not recorded, once
--     hired (hired_at on or before as_of's date), or has a limited query
--     on record (only employed drivers get limited queries). A driver not
--     yet working is the pre-employment rule's business.
--   * No query at all: the year runs from the first safety-sensitive
--     function (else the hire), or from 2020-01-06 for a driver working
--     before the Clearinghouse started (the first annual query of such
--     drivers was due by 2021-01-06).
--   * Current → an obligation for the next query, due on the last good
--     day. Overdue → critical.
--   * A query field that cannot be read: if the readable ones do not show
--     a current query, this rule does not decide (the unreadable field's
--     own finding stands; one finding per defect).
rule {
  id = "us-dot/annual-query",
  on = "driver.status",
  severity = "critical",
  cite = "49 CFR 382.701(b)",
  check = function(e, ctx)
    local d = F.data(e)
    local who = F.driver(d)
    local out = {}
    local ls, lv = F.field(d, "last_limited_query_at", "any")
    if ls == "bad" then
      out[#out + 1] = F.bad_field(d, "last_limited_query_at", lv, "clearinghouse_query_record")
    end

    local today = F.today(ctx)
    local fs, fv = F.field(d, "first_safety_sensitive_at", "timestamp")
    local started = fs == "ok" and time.compare(fv, ctx.as_of) <= 0
    local since_field = "first_safety_sensitive_at"
    if fs == "absent" then
      -- the optional first duty date is not recorded: an employed driver
      -- is owed the annual query from the hire (382.701(b))
      local hs, hv = F.field(d, "hired_at", "any")
      if hs == "ok" and F.day(hv, ctx) <= today then
        started, fv, since_field = true, hv, "hired_at"
      end
    end
    local limited_on_record = ls ~= "absent"
      or F.field(d, "limited_query_at", "any") ~= "absent"
    if not (started or limited_on_record) then return out end

    local latest, latest_day, latest_field, unreadable = nil, nil, nil, false
    for _, name in ipairs(QUERY_FIELDS) do
      local s, v = F.field(d, name, "any")
      if s == "bad" then
        unreadable = true
      elseif s == "ok" then
        -- a query after as_of has not happened yet; a date-only one counts
        -- on its day
        local day = F.day(v, ctx)
        local past = time.valid(v, "date") and day <= today or time.compare(v, ctx.as_of) <= 0
        if past and (latest_day == nil or day > latest_day) then
          latest, latest_day, latest_field = v, day, name
        end
      end
    end

    local anchor_day = latest_day or (started and F.day(fv, ctx)) or nil
    if anchor_day == nil then return out end
    if anchor_day < CLEARINGHOUSE_START then anchor_day = CLEARINGHOUSE_START end
    local last_good = good_through(ctx, anchor_day)
    if today <= last_good then
      ctx.obligation {
        action = "run_annual_clearinghouse_query",
        due = last_good,
        note = ("driver %s: next annual Clearinghouse query (a limited query will do) "
          .. "by %s"):format(who, last_good),
      }
      return out
    end
    if unreadable then return out end

    local overdue = time.days_between(last_good, today)
    local since
    if latest then
      since = ("last query: %s at %s"):format(QUERY_NAMES[latest_field], latest)
    else
      since = since_field == "hired_at"
        and ("no query on record since the driver was hired on %s"):format(fv)
        or ("no query on record since the first safety-sensitive function at %s"):format(fv)
    end
    out[#out + 1] = {
      message = ("driver %s: annual Clearinghouse query overdue: %s, so one was due by %s, "
        .. "%d day%s ago; run a query now (a limited query will do) and keep the record")
        :format(who, since, last_good, overdue, F.plural(overdue)),
      evidence_required = { "clearinghouse_query_record" },
      details = {
        driver_id = d.driver_id, last_query_at = latest, last_query = latest_field,
        first_safety_sensitive_at = (not latest and since_field == "first_safety_sensitive_at") and fv or nil,
        hired_at = (not latest and since_field == "hired_at") and fv or nil,
        due = last_good, days_overdue = overdue, cycle = ctx.params.annual_query_cycle,
      },
    }
    return out
  end,
}

-- Follow-up full query (382.701(b)): when a limited query shows that
-- information exists about the driver, a full query must be run within
-- 24 hours; until it is, the driver may not perform safety-sensitive
-- functions [P F2].
--
-- Readings:
--   * The limited query's moment is limited_query_at, else
--     last_limited_query_at (the result is taken to belong to it).
--   * "Within 24 hours": instant arithmetic (seconds_between, across DST
--     changes too). Exactly 24 h 0 min 0 s after is on time; one second
--     more is late (params.followup_full_query_hours, default 24).
--   * A full query later than 24 h → critical (the driver was prohibited
--     in between). None yet and as_of past the 24 h → critical (driver
--     prohibited). None yet and within the 24 h → major: the driver is
--     prohibited from safety-sensitive functions now, until the full query
--     is run; plus an obligation due at the deadline (RFC 3339, in the
--     limited query's own offset).
--   * A followup_full_query_at earlier than the limited query cannot be its
--     follow-up: treated as none.
--   * "no_info" or no result recorded: the rule holds / does not apply.
--     Any other value, or a non-string: a major finding (cannot be checked).
--   * info_exists with no limited query moment recorded: a major finding
--     (the deadline cannot be computed), asking for it.
rule {
  id = "us-dot/followup-full-query",
  on = "driver.status",
  severity = "critical",
  cite = "49 CFR 382.701(b)",
  check = function(e, ctx)
    local d = F.data(e)
    local who = F.driver(d)
    local out = {}

    local raw, result = d.limited_query_result, nil
    if read.text(raw) then
      result = read.enum(raw, RESULTS) -- trimmed, case-insensitive
      if not result then
        out[#out + 1] = F.bad_field(d, "limited_query_result",
          ("%q is not one of \"no_info\", \"info_exists\""):format(raw:sub(1, 40)),
          "clearinghouse_query_record")
      end
    elseif raw ~= nil and type(raw) ~= "string" then
      out[#out + 1] = F.bad_field(d, "limited_query_result",
        ("is a %s, not \"no_info\" or \"info_exists\""):format(type(raw)),
        "clearinghouse_query_record")
    end
    -- A query time recorded as a date only is unreadable here only when
    -- the 24 hours must be counted (info_exists): the annual query and the
    -- retention count days and read it.
    local function unreadable(name, s)
      return s == "bad" and (result == "info_exists" or not time.valid(d[name], "date"))
    end
    local ls, lv = F.field(d, "limited_query_at", "timestamp")
    if unreadable("limited_query_at", ls) then
      out[#out + 1] = F.bad_field(d, "limited_query_at", lv, "clearinghouse_query_record")
    end
    local fs, fv = F.field(d, "followup_full_query_at", "timestamp")
    if unreadable("followup_full_query_at", fs) then
      out[#out + 1] = F.bad_field(d, "followup_full_query_at", fv,
        "clearinghouse_full_query_record")
    end
    if result ~= "info_exists" or ls == "bad" or fs == "bad" then return out end

    local limited = lv
    if ls == "absent" then
      local s2, v2 = F.field(d, "last_limited_query_at", "timestamp")
      if s2 == "bad" then
        -- a date only: the annual rule counts it, but 24 hours need its hour
        if time.valid(d.last_limited_query_at, "date") then
          out[#out + 1] = F.bad_field(d, "last_limited_query_at", v2, "clearinghouse_query_record")
        end
        return out -- anything else: the annual rule reports it
      end
      limited = v2
    end
    if limited == nil then
      out[#out + 1] = {
        message = ("driver %s: limited query result is info_exists but no limited query time "
          .. "is recorded (limited_query_at), so the 24-hour follow-up deadline cannot be "
          .. "computed; record it, and keep the driver off safety-sensitive functions until a "
          .. "full query is run"):format(who),
        severity = "major",
        evidence_required = { "clearinghouse_query_record" },
        details = { driver_id = d.driver_id, limited_query_result = "info_exists" },
      }
      return out
    end

    local hours = F.count_param(ctx, "followup_full_query_hours")
    local limit = hours * 3600
    local deadline = time.add_seconds(limited, limit)
    if fs == "ok" and time.compare(fv, limited) >= 0 then
      local secs = time.seconds_between(limited, fv)
      if secs <= limit then return out end
      out[#out + 1] = {
        message = ("driver %s: limited query at %s showed information; the full query came at "
          .. "%s, %s h later, past the %d-hour deadline %s. The driver was prohibited from "
          .. "safety-sensitive functions from %s until %s: check duty records for that time")
          :format(who, limited, fv, F.hours_text(secs), hours, deadline, deadline, fv),
        evidence_required = { "duty_status_records" },
        details = {
          driver_id = d.driver_id, limited_query_at = limited, followup_full_query_at = fv,
          deadline = deadline, hours_allowed = hours, seconds_after = secs,
        },
      }
      return out
    end

    local note = ""
    if fs == "ok" then
      note = (" (the full query recorded at %s predates the limited query, so it is not "
        .. "its follow-up)"):format(fv)
    end
    local elapsed = time.seconds_between(limited, ctx.as_of)
    if elapsed > limit then
      out[#out + 1] = {
        message = ("driver %s: limited query at %s showed information and no full query "
          .. "followed within %d hours (deadline %s)%s: the driver is prohibited from "
          .. "safety-sensitive functions; run the full query now and keep the driver off duty "
          .. "until it is done"):format(who, limited, hours, deadline, note),
        evidence_required = { "clearinghouse_full_query_record" },
        details = {
          driver_id = d.driver_id, limited_query_at = limited, deadline = deadline,
          hours_allowed = hours, seconds_elapsed = elapsed,
        },
      }
      return out
    end
    ctx.obligation {
      action = "run_followup_full_query",
      due = deadline,
      note = ("driver %s: full Clearinghouse query within %d hours of the limited query at %s")
        :format(who, hours, limited),
    }
    out[#out + 1] = {
      message = ("driver %s: limited query at %s showed information; the driver is prohibited "
        .. "from safety-sensitive functions until a full query is run, due by %s%s")
        :format(who, limited, deadline, note),
      severity = "major",
      evidence_required = { "clearinghouse_full_query_record" },
      details = {
        driver_id = d.driver_id, limited_query_at = limited, deadline = deadline,
        hours_allowed = hours, seconds_elapsed = elapsed,
      },
    }
    return out
  end,
}
