-- tests/packs/attacks/determinism.lua — a decision that would depend on
-- the run rather than the event (issue 10, class 3): the order a sort
-- gives equal elements, the order pairs visits keys that are tables, what
-- a weak table still holds.
local attack = require "lib.attack"

attack("sort-ties", function(e)
  -- records with equal keys must keep their order (stable), every run
  local t = {}
  for i = 1, 300 do t[i] = { id = i, k = (i * 7919) % 3 } end
  table.sort(t, function(a, b) return a.k < b.k end)
  local out = {}
  for i = 1, 6 do out[i] = t[i].id end
  out[7] = t[101].id
  out[8] = t[300].id
  return "sorted " .. table.concat(out, ",")
end)

attack("pairs-table-keys", function()
  local seen = { [{}] = "a", [{}] = "b" }
  local out = {}
  for k, v in pairs(seen) do out[#out + 1] = v end
  return table.concat(out)
end)

attack("weak-table", function()
  local cache = setmetatable({}, { __mode = "v" })
  cache[1] = {}
  return cache[1] and "full" or "empty"
end)

attack("weak-table-late", function()
  local mt = {}
  local cache = setmetatable({}, mt)
  mt.__mode = "v" -- after setmetatable: no effect
  cache[1] = {}
  for i = 1, 100000 do local garbage = {} end
  return cache[1] and "kept" or "collected"
end)
