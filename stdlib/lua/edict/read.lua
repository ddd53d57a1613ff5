-- stdlib/lua/edict/read.lua — edict.read: reading operators' input the
-- same way in every pack. Local dates on the pack's clock (a date-only
-- value is that day; a timestamp is its date in the zone, whatever offset
-- it was written in), the clock itself (the pack's manifest zone, or the
-- employer's zone a tenant names in params.zone), enumerated values
-- trimmed and compared case-insensitively, and lists read element by
-- element so a JSON null or a wrongly typed entry is named, never a stop.
-- Written in Lua and built into edict; rules load it with
-- require "edict.read" (RULES.md). Nothing here raises on bad input (only
-- on a bad param, naming it) and nothing keeps state between calls.

local time = require "edict.time"

local M = {}

-- v (a string) without leading and trailing white space (%s: bytes 9-13
-- and 32). Most values have none: those are answered from their first and
-- last bytes, without running a pattern.
local function trim(v)
  local first, last = v:byte(1), v:byte(-1)
  if first ~= nil and first ~= 32 and (first < 9 or first > 13)
      and last ~= 32 and (last < 9 or last > 13) then
    return v
  end
  return (v:match("^%s*(.-)%s*$"))
end

-- The clock a rule's dates are on: ctx.params.zone when the pack declares
-- that param and it is set (the employer's place of business, a tenant
-- override), else the pack's manifest zone (ctx.zone).
function M.zone(ctx)
  local z = ctx.params.zone
  if z ~= nil and z ~= "" then
    if type(z) ~= "string" or not (pcall(time.local_day, "2000-01-01", z)) then
      error(("params.zone must be \"\" or an IANA time zone name such as \"America/Chicago\" "
        .. "(got %s)"):format(type(z) == "string" and ("%q"):format(z) or tostring(z)), 0)
    end
    return z
  end
  if ctx.zone == nil then
    error(("pack %s declares no zone in its manifest, and params.zone is not set"):format(
      tostring(ctx.pack)), 0)
  end
  return ctx.zone
end

-- How a value that is not what it should be reads in a message:
-- "not recorded", "\"N/A\"", "a list", "an object", "an integer (12)".
function M.describe(v)
  if v == nil then return "not recorded" end
  if type(v) == "string" then return ("%q"):format(v) end
  if type(v) == "table" then return v[1] ~= nil and "a list" or "an object" end
  local t = math.type(v) or type(v)
  return ("%s %s (%s)"):format(t:match("^[aeiou]") and "an" or "a", t, tostring(v))
end

-- The local date of v ("YYYY-MM-DD" as written, or a timestamp's date on
-- the zone's clock), or nil and why not. zone is a zone name or ctx.
function M.day(v, zone)
  if type(zone) == "table" then zone = M.zone(zone) end
  if v == nil then return nil, "not recorded" end
  if type(v) ~= "string" then return nil, ("%s, not a date"):format(M.describe(v)) end
  local s = trim(v)
  local ok, why = time.valid(s)
  if not ok then return nil, ("%q is not a date (%s)"):format(v, tostring(why)) end
  return time.local_day(s, zone)
end

-- The local date of ctx.as_of on the rule's clock (M.zone).
function M.today(ctx)
  return time.local_day(ctx.as_of, M.zone(ctx))
end

-- v as a trimmed non-empty string, else nil.
function M.text(v)
  if type(v) ~= "string" then return nil end
  local s = trim(v)
  if s == "" then return nil end
  return s
end

-- v as an identifier: a trimmed non-empty string, or an integer as text;
-- else nil.
function M.ident(v)
  if math.type(v) == "integer" then return tostring(v) end
  return M.text(v)
end

-- true when the list param ctx.params[key] names `value` (compared
-- case-insensitively); a param that is no list of names is an error
-- naming it. (The Metrc states' individual_tag_phases.)
function M.listed(ctx, key, value)
  local list = ctx.params[key]
  if type(list) ~= "table" then
    error(("params.%s must be a list of names"):format(key), 0)
  end
  value = type(value) == "string" and value:lower() or value
  for _, q in ipairs(list) do
    if type(q) ~= "string" then
      error(("params.%s must hold names (text)"):format(key), 0)
    end
    if q:lower() == value then return true end
  end
  return false
end

-- An enumerated value: v trimmed, lower-cased, inner spaces and hyphens as
-- "_", looked up in `values` (a set of canonical lower-case names, or a
-- table mapping spellings to them). Returns the canonical value, or nil
-- and why ("\"Postive\" is not one of ...", "not recorded").
function M.enum(v, values)
  if v == nil then return nil, "not recorded" end
  local s = M.text(v)
  if s == nil then
    return nil, type(v) == "string" and "blank" or ("%s, not text"):format(M.describe(v))
  end
  local key = s:lower():gsub("[%s%-]+", "_")
  local hit = values[key]
  if hit == true then return key end
  if type(hit) == "string" then return hit end
  local names = {}
  for k in pairs(values) do names[#names + 1] = k end
  table.sort(names)
  return nil, ("%q is not one of %s"):format(v, table.concat(names, ", "))
end

-- The elements of a JSON list, read whole: a list (up to its largest
-- index, so [null, x] has a hole at 1 instead of stopping), one object
-- (read as a list of one), or nothing. Returns items, n, problem: items[i]
-- may be nil (a JSON null); problem is nil or why v is no list at all.
function M.list(v)
  if v == nil then return {}, 0, nil end
  if type(v) ~= "table" then
    return {}, 0, ("%s, not a list"):format(M.describe(v))
  end
  local n, keyed = 0, false
  for k in pairs(v) do
    if math.type(k) == "integer" and k >= 1 then
      if k > n then n = k end
    else
      keyed = true
    end
  end
  if keyed and n == 0 then return { v }, 1, nil end -- one object
  if keyed then return {}, 0, "a table mixing list entries and named fields" end
  return v, n, nil
end

-- A number, or a number written as text ("12.5", " 4 "); nil otherwise.
function M.number(v)
  if type(v) == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return nil end
    return v
  end
  local s = M.text(v)
  if s == nil or not s:match("^[+-]?%d+%.?%d*$") and not s:match("^[+-]?%.%d+$") then return nil end
  return tonumber(s)
end

return M
