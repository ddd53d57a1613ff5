-- jurisdictions/ca-ctls/monthly.lua — ctls.monthly_report: each inventory
-- category's opening quantity against the previous month's closing one
-- (more than 5 % apart: CTLS blocks the report, FACTS §6 [P C2]) and its
-- unit (kg; plants as counts, [P C2]). The due date (the 15th of the next
-- month) is [U] in FACTS and not encoded.
local read = require "edict.read"
local text, describe = read.text, read.describe

local CITE = "CTLS reporting guide (FACTS §6, C2)"
local EVENTS = { "ctls.monthly_report" }

local function number(v)
  return type(v) == "number" and v >= 0 and v < math.huge and v or nil
end

local function categories(d)
  return type(d.categories) == "table" and d.categories or {}
end

rule {
  id = "ca-ctls/opening-vs-closing",
  on = EVENTS,
  severity = "critical",
  cite = CITE,
  check = function(e, ctx)
    local d = e.data or {}
    local tol = ctx.params.opening_tolerance
    local out = {}
    for i, c in ipairs(categories(d)) do
      local name = text(c.category) or ("category " .. i)
      local open, prev = number(c.opening), number(c.previous_closing)
      if open and prev then
        local diff = math.abs(open - prev)
        local base = prev > 0 and prev or open
        if base > 0 and diff / base > tol then
          out[#out + 1] = {
            message = ("%s: opening %g differs from last month's closing %g by %.1f %% (more than "
              .. "%g %%): CTLS blocks the report until they are reconciled"):format(
              name, open, prev, 100 * diff / base, 100 * tol),
            details = { category = name, opening = open, previous_closing = prev },
          }
        end
      end
    end
    return out
  end,
}

rule {
  id = "ca-ctls/unreadable-quantity",
  on = EVENTS,
  severity = "major",
  cite = CITE,
  check = function(e, ctx)
    local d = e.data or {}
    local out = {}
    if #categories(d) == 0 then
      return { message = ("the report for %s lists no inventory category"):format(
        text(d.month) or "(no month)") }
    end
    for i, c in ipairs(categories(d)) do
      local name = text(c.category) or ("category " .. i)
      for _, k in ipairs({ "opening", "previous_closing" }) do
        if not number(c[k]) then
          out[#out + 1] = { message = ("%s: %s is %s, not a quantity"):format(name, k, describe(c[k])) }
        end
      end
      local unit = text(c.unit)
      local want = name:lower():find("plant", 1, true) and "count" or "kg"
      if unit ~= want then
        out[#out + 1] = { message = ("%s: unit is %s; CTLS takes %s"):format(name, describe(c.unit), want) }
      end
    end
    return out
  end,
}
