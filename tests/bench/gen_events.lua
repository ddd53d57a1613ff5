-- tests/bench/gen_events.lua — deterministic benchmark input: N
-- employee.compliance events as NDJSON for a seed.
--
--   lua5.4 tests/bench/gen_events.lua N SEED [TENANTS] > events.ndjson
--
-- With TENANTS (more than 3), event i belongs to tenant number i % TENANTS
-- ("acme-7", "globex-12", ...; the vocabulary of acme, globex or initech):
-- the many-tenant workload of the journal bench.
--
-- Its own PRNG (a 64-bit LCG, Knuth's MMIX constants, wrapping integer
-- arithmetic) and hand-written JSON with a fixed key order, so the output
-- is byte-identical for a seed on every Lua 5.4 build. The mix: 3 tenants,
-- jurisdiction US-TX, occurred_at across 2026 (CST/CDT offsets, some UTC),
-- as_of on ~30% of events, 0–4 certificates with expiries from 30 days
-- before to 300 days after the as_of date (~1% unreadable or null), a drug
-- test on ~92% (mostly negative), a background check on ~93% (mostly clear).

local N = tonumber(arg[1])
local SEED = tonumber(arg[2] or "42")
if not N or N < 0 or not SEED then
  io.stderr:write("usage: lua5.4 tests/bench/gen_events.lua N SEED\n")
  os.exit(2)
end
N, SEED = math.tointeger(N), math.tointeger(SEED)
local NT = math.tointeger(tonumber(arg[3] or "3")) or 3

-- PRNG ------------------------------------------------------------------
local state = SEED * 2862933555777941757 + 3037000493 -- spread small seeds
local function rand(n) -- integer in [0, n)
  state = state * 6364136223846793005 + 1442695040888963407
  return (state >> 33) % n
end
local function pick(list) return list[rand(#list) + 1] end
-- weighted pick from { {value, weight}, ... } with weights summing to 1000
local function weighted(list)
  local r = rand(1000)
  for _, p in ipairs(list) do
    if r < p[2] then return p[1] end
    r = r - p[2]
  end
  return list[#list][1]
end

-- Civil dates ---------------------------------------------------------------
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * (m > 2 and m - 3 or m + 9) + 2) // 5 + d - 1
  return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
end
local function civil_from_days(z)
  z = z + 719468
  local era = z // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  return yoe + era * 400 + (m <= 2 and 1 or 0), m, d
end
local function ymd(z) return ("%04d-%02d-%02d"):format(civil_from_days(z)) end

-- Vocabulary ------------------------------------------------------------------
local TENANTS = {
  { name = "acme", prefix = "E-", kinds = { "CDL", "DOT_MEDICAL", "HAZMAT", "TWIC" } },
  { name = "globex", prefix = "G-",
    kinds = { "OSHA_30", "OSHA_10", "FORKLIFT", "CRANE_OPERATOR", "FALL_PROTECTION", "FIRST_AID" } },
  { name = "initech", prefix = "IN-", kinds = { "FORKLIFT", "HAZWOPER", "FIRST_AID", "OSHA_10" } },
}
local DRUG = {
  { "negative", 850 }, { "pending", 40 }, { "positive", 30 }, { "dilute", 30 },
  { "cancelled", 20 }, { "refusal", 10 }, { "adulterated", 10 }, { "substituted", 10 },
}
local BACKGROUND = { { "clear", 850 }, { "pending", 60 }, { "consider", 40 }, { "adverse", 30 }, { "failed", 20 } }
local BAD_DATES = { "2026-02-30", "2026-13-01", "31/12/2026", "" }

local JAN1 = days_from_civil(2026, 1, 1)
local out = io.stdout
out:setvbuf("full")

for i = 1, N do
  local t, tenant
  if NT > 3 then
    local k = i % NT
    t = TENANTS[k % 3 + 1]
    tenant = ("%s-%d"):format(t.name, k)
  else
    t = pick(TENANTS)
    tenant = t.name
  end
  local day = JAN1 + rand(365)
  local _, month = civil_from_days(day)
  local offset = (month >= 4 and month <= 10) and "-05:00" or "-06:00"
  local clock = ("T%02d:%02d:%02d"):format(6 + rand(13), rand(60), rand(60))
  local zone = rand(20) == 0 and "Z" or offset
  local occurred = ymd(day) .. clock .. zone
  local as_of_day, as_of = day, nil
  if rand(10) < 3 then
    as_of_day = day + rand(31)
    as_of = ymd(as_of_day) .. "T09:00:00" .. offset
  end

  local parts = {}
  parts[#parts + 1] = ('"employee_id":"%s%05d"'):format(t.prefix, rand(40000))
  local ncerts = rand(5)
  if ncerts > 0 or rand(2) == 0 then
    local certs = {}
    for c = 1, ncerts do
      local r = rand(200)
      local expires
      if r < 2 then
        expires = '"' .. pick(BAD_DATES) .. '"'
      elseif r == 2 then
        expires = "null"
      else
        expires = '"' .. ymd(as_of_day - 30 + rand(331)) .. '"'
      end
      certs[c] = ('{"kind":"%s","expires":%s}'):format(pick(t.kinds), expires)
    end
    parts[#parts + 1] = '"certs":[' .. table.concat(certs, ",") .. "]"
  end
  if rand(100) >= 8 then
    parts[#parts + 1] = ('"drug_test":{"result":"%s","date":"%s"}'):format(weighted(DRUG), ymd(day - rand(200)))
  end
  if rand(100) >= 7 then
    parts[#parts + 1] = ('"background":{"status":"%s"}'):format(weighted(BACKGROUND))
  end

  out:write(('{"id":"bench-%d-%07d","type":"employee.compliance","tenant":"%s","jurisdiction":"US-TX",'
    .. '"occurred_at":"%s",%s"data":{%s}}\n')
    :format(SEED, i, tenant, occurred, as_of and ('"as_of":"' .. as_of .. '",') or "",
      table.concat(parts, ",")))
end
out:flush()
