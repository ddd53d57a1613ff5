# test_determinism.sh — the same event and packs give the same decision:
# iteration order does not follow Lua's per-state string hash seed, no
# address leaks into a decision, and state a check keeps in a plain upvalue
# is set back before the next event.
. tests/cli/lib.sh

P=$TMP/packs
mkpack "$P/dt" dt 1 US-XX
write "$P/dt/rules.lua" <<'EOF2'
local seen = 0          -- a plain upvalue: set back after every event
local labels = { "a" }  -- a table upvalue: frozen after load
rule { id = "dt/order", on = "t.a", severity = "info", cite = "DT",
  check = function(e)
    local keys = {}
    for k in pairs(e.data) do keys[#keys + 1] = k end
    local mine = { zulu = 1, alpha = 2, [3] = "c", [1] = "a", mike = 3 }
    local built = {}
    for k in pairs(mine) do built[#built + 1] = tostring(k) end
    return "event " .. table.concat(keys, ",") .. " | built " .. table.concat(built, ",")
      .. " | next " .. tostring(next(mine))
  end }
rule { id = "dt/counter", on = "t.a", severity = "info", cite = "DT",
  check = function(e)
    seen = seen + 1
    return "seen " .. seen
  end }
rule { id = "dt/address", on = "t.a", severity = "info", cite = "DT",
  check = function(e)
    return tostring({}) .. " " .. tostring(print) .. " " .. ("%s"):format(e.data)
  end }
rule { id = "dt/frozen", on = "t.a", severity = "info", cite = "DT",
  check = function(e)
    if e.data.poke then labels[1] = "changed" end
    return "label " .. labels[1]
  end }
EOF2
ev='{"zeta":1,"beta":2,"omega":3,"alpha":4,"delta":5,"kappa":6,"gamma":7}'
{ event d1 "$ev"; event d1 "$ev"; event d2 '{"poke":true}'; event d3 '{}'; } >"$TMP/ev.ndjson"

run "$EDICT" eval --packs "$P" "$TMP/ev.ndjson"
is "runs" "$RC" 0
cp "$OUT" "$TMP/first.out"
msg() { jv "$OUT" "(function() for _, f in ipairs(D[$1].findings) do if f.rule == 'dt/$2' then return f.message end end end)()"; }
is "pairs over the event visits keys in sorted order" "$(msg 1 order)" \
    "event alpha,beta,delta,gamma,kappa,omega,zeta | built 1,3,alpha,mike,zulu | next 1"
is "a counter in a plain upvalue is set back after the event" "$(msg 1 counter) / $(msg 2 counter)" "seen 1 / seen 1"
is "the same event twice: byte-identical decisions" "$(sed -n 1p "$OUT" | cut -c1-9999)" "$(sed -n 2p "$OUT" | cut -c1-9999)"
is "tostring and %s show no address" "$(msg 1 address)" "table function table"
is "a table upvalue cannot be changed by a check" \
    "$(jv "$OUT" 'D[3].errors[1] and D[3].errors[1].message or "no error"')" \
    "pack data is read-only (cannot set [1])"
is "the next event still reads the load-time value" "$(msg 4 frozen)" "label a"

# a second process (new states, new hash seeds) gives the same bytes
run "$EDICT" eval --packs "$P" "$TMP/ev.ndjson"
is "a second run gives the same bytes" "$(cmp -s "$OUT" "$TMP/first.out" && echo same)" same

# %p is refused, with the rule's place
write "$P/dt/rules.lua" <<'EOF2'
rule { id = "dt/p", on = "t.a", severity = "info", cite = "DT",
  check = function(e) return ("%p"):format({}) end }
EOF2
event p1 '{}' >"$TMP/p.ndjson"
run "$EDICT" eval --packs "$P" "$TMP/p.ndjson"
has "%p is refused" "$OUT" "%p is not available to rules"

# a coroutine made while the pack loads is refused: it would carry state
write "$P/dt/rules.lua" <<'EOF2'
local gen = coroutine.wrap(function() local n = 0 while true do n = n + 1 coroutine.yield(n) end end)
rule { id = "dt/gen", on = "t.a", severity = "info", cite = "DT",
  check = function(e) return "n " .. gen() end }
EOF2
run "$EDICT" check "$P/dt"
is "check refuses a pack that keeps a coroutine" "$RC" 1
has "and says why" "$OUT" "coroutine"

# limits past the host's ceilings are usage errors
run "$EDICT" eval --limit-instructions 100000000000 "$TMP/p.ndjson"
is "--limit-instructions past the ceiling: usage error" "$RC" 64
has "and says so" "$ERR" "past the ceiling"

summary
