-- tests/packs/attacks/tests/mutation.lua — no rule can change what another
-- rule, the next event or another tenant sees: the event, ctx, the
-- standard library and the pack's globals are read-only.

local function event(attack, data, tenant)
  data = data or {}
  data.attack = attack
  return { type = "attack.run", occurred_at = "2026-01-01T00:00:00Z", data = data,
           tenant = tenant }
end

local function contained(attack, errors, data, tenant)
  return {
    name = attack .. " is contained",
    event = event(attack, data, tenant),
    expect = { errors = errors, findings = { "attacks/sentinel" }, messages = { "sentinel ok" },
               flag = (errors == 0) and "green" or "yellow" },
  }
end

return {
  contained("event-write", { "event.data is read-only (cannot set field 'attack')" }),
  contained("event-nested-write",
            { "event.data.witness is read-only (cannot set field 'name')" },
            { witness = { name = "J. Doe", employee_id = "E-7" } }),
  contained("event-rawset", { "rawset: the table is read-only" }),
  contained("event-setmetatable", { "cannot change a protected metatable" }),
  contained("event-table-insert", { "event.data.photos is read-only (cannot set [2])" },
            { photos = { { sha256 = "aa" } } }),
  contained("ctx-write", { "ctx.params is read-only (cannot set field 'threshold')" }),
  contained("ctx-tenant", { "ctx is read-only (cannot set field 'tenant')" }),
  contained("string-patch", { "string is read-only (cannot set field 'upper')" }),
  contained("string-rawset", { "rawset: the table is read-only" }),
  contained("string-setmetatable", { "cannot change a protected metatable" }),
  contained("global-assign", { "_ENV is read-only (cannot set field 'counter')" }),
  contained("global-replace", { "_ENV is read-only (cannot set field 'config')" }),
  contained("global-rawset", { "rawset: the table is read-only" }),
  contained("env-metatable", { "cannot change a protected metatable" }),

  -- Found broken at 8871e60: only the top level of the pack's
  -- globals was frozen; a table held in one stayed writable, so
  -- attacks/config-reader (the next rule) and the next event saw threshold
  -- 0. Run as their own tenant so any damage stays out of the other
  -- fixtures.
  contained("global-table-write", { "is read-only (cannot set field 'threshold')" }, nil,
            "mutable-config"),
  { name = "after global-table-write, the next event still sees the pack as loaded",
    event = event("none", nil, "mutable-config"),
    expect = { flag = "green", errors = 0, findings = { "attacks/sentinel" },
               messages = { "sentinel ok" } } },

  -- Issue 10, class 4: twice each, as two events; at 86c1066 they
  -- counted 1, then 2.
  contained("metafield-write", { "pack data is read-only (cannot set field '__count')" }),
  contained("metafield-write", { "pack data is read-only (cannot set field '__count')" }),
  contained("required-module-write", { "pack data is read-only (cannot set field 'n')" }),
  contained("required-module-write", { "pack data is read-only (cannot set field 'n')" }),

  { name = "after every mutation attempt, an ordinary event is decided normally",
    event = event("none"),
    expect = { flag = "green", score = 100, errors = 0, findings = { "attacks/sentinel" },
               messages = { "sentinel ok" } } },
}
