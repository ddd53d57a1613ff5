-- tests/fuzz/gen_corpus.lua — (re)write the eval seed corpus from the
-- shipped examples and fixtures:  lua5.4 tests/fuzz/gen_corpus.lua
-- (run from the repository root; needs lua-cjson).
local cjson = require "cjson"
local out = "tests/fuzz/corpus/eval/"
local n = 0
local function put(name, text)
  local f = assert(io.open(out .. name, "wb"))
  f:write(text)
  f:close()
  n = n + 1
end

local i = 0
for line in io.lines("examples/employee.ndjson") do
  if line:match("%S") then
    i = i + 1
    put(("example-%02d.json"):format(i), line)
  end
end

for _, file in ipairs({ "background", "certs", "drug_test" }) do
  local fixtures = dofile("rules/employee-flags/tests/" .. file .. ".lua")
  for k, fx in ipairs(fixtures) do
    local ev = fx.event
    ev.id = ev.id or (file .. "#" .. k)
    ev.tenant = ev.tenant or "fixtures"
    ev.jurisdiction = ev.jurisdiction or "US-TX"
    put(("fixture-%s-%02d.json"):format(file, k), cjson.encode(ev))
  end
end
print(n .. " seeds in " .. out)
