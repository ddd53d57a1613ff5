-- tests/packs/attacks/tests/escape.lua — reaching outside the sandbox is
-- refused with a clear error, and the rules after the attack (the
-- sentinel) and the next event run normally.

local function event(attack, data)
  data = data or {}
  data.attack = attack
  return { type = "attack.run", occurred_at = "2026-01-01T00:00:00Z", data = data }
end

-- The attack ends in the given errors; the sentinel still runs, intact.
local function contained(attack, errors)
  return {
    name = attack .. " is contained",
    event = event(attack),
    expect = { errors = errors, findings = { "attacks/sentinel" }, messages = { "sentinel ok" },
               flag = (errors == 0) and "green" or "yellow" },
  }
end

return {
  contained("io", { "'io' is not available to rules" }),
  contained("os", { "'os' is not available to rules" }),
  contained("require-path", { "bad module name '/etc/passwd'" }),
  contained("require-parent", { "bad module name '../../../runtime/sandbox'" }),
  contained("require-late",
            { "require 'lib.late': pack files can only be required while the pack loads" }),
  contained("loadfile", { "'loadfile' is not available to rules" }),
  contained("dofile", { "'dofile' is not available to rules" }),
  contained("loadlib", { "'package' is not available to rules" }),
  contained("binary-chunk", { "attempt to load a binary chunk (mode is 't')" }),
  contained("binary-chunk-mode", { "only text chunks may be loaded (mode must be \"t\")" }),
  contained("load-without-env", { "bad argument #4 to 'load' (table expected, got no value)" }),
  contained("load-with-env", 0),
  contained("string-dump", { "attempt to call a nil value (field 'dump')" }),
  contained("debug", { "'debug' is not available to rules" }),
  contained("debug-sethook", { "'debug' is not available to rules" }),
  contained("string-metatable", { "attempt to index a nil value (field '__index')" }),
  contained("globals-table", { "'_G' is not available to rules" }),
  contained("collectgarbage", { "'collectgarbage' is not available to rules" }),
  contained("math-random", { "math.random is not available to rules" }),

  { name = "after every escape attempt, an ordinary event is decided normally",
    event = event("none"),
    expect = { flag = "green", score = 100, errors = 0, findings = { "attacks/sentinel" },
               messages = { "sentinel ok" } } },
}
