-- tests/packs/attacks/tests/determinism.lua — issue 10, class 3: the same
-- event gets the same decision, whatever the run (these fixtures failed
-- at 86c1066: an unstable sort, pairs in heap-address order, weak tables).

local function event(attack)
  return { type = "attack.run", occurred_at = "2026-01-01T00:00:00Z", data = { attack = attack } }
end

local function contained(attack, errors)
  return {
    name = attack .. " is contained",
    event = event(attack),
    expect = { errors = errors, findings = { "attacks/sentinel" }, messages = { "sentinel ok" },
               flag = (errors == 0) and "green" or "yellow" },
  }
end

return {
  { name = "sort keeps equal elements in their order",
    event = event("sort-ties"),
    expect = { errors = 0, findings = { "attacks/sort-ties", "attacks/sentinel" },
               messages = { "sorted 3,6,9,12,15,18,2,298", "sentinel ok" } } },
  contained("pairs-table-keys", { "cannot iterate over a table with a key of type table: "
                                  .. "only numbers, strings and booleans have a stable order" }),
  contained("weak-table", { "__mode is not allowed in rules: a weak table holds what the "
                            .. "collector has not taken yet, so a decision would depend on when it runs" }),
  { name = "a __mode added after setmetatable does nothing",
    event = event("weak-table-late"),
    expect = { errors = 0, findings = { "attacks/weak-table-late", "attacks/sentinel" },
               messages = { "kept", "sentinel ok" } } },
}
