# test_hostile.sh — hostile tenant rules through the command line (issue
# 10): library loops that must stop, interpreter crashes that must not
# happen, decisions that must not depend on the run, state that must not
# carry from one event to the next, and pack files that must not reach
# outside their folder. What `edict serve` would show (a worker held, the
# process gone) is shown here on `edict eval`, which decides through the
# same catalog, contexts and sandbox: every run is under `timeout`, so a
# rule that never stops fails the test instead of stalling the suite.
. tests/cli/lib.sh

# Seconds any one command may take; a hung host is killed (status 124).
LIMIT=60

P=$TMP/packs
mkpack "$P/base" base 1 US-XX
write "$P/base/rules.lua" <<'EOF'
rule { id = "base/seen", on = "t.a", severity = "info", cite = "BASE-1",
  check = function(e) return "base saw " .. e.id end }
EOF
T=$TMP/tenants

# --- 1. library loops the budget never saw ----------------------------------
# The hog tenant's overlay raises its memory limit to the host's ceiling,
# so only the instruction and time limits can stop its rules; the calm
# tenant's event comes after the hog's and must be decided all the same.
write "$T/hog/policy.lua" <<'EOF'
return { rules = { "hog.lua" }, limits = { memory_mb = 1024 } }
EOF
write "$T/hog/hog.lua" <<'EOF'
-- a table of 2^40 elements made by C functions: no Lua instruction runs
-- while the library walks it
local function huge()
  return setmetatable({}, { __len = function() return 1 << 40 end,
                            __index = rawlen, __newindex = rawequal })
end
rule { id = "hog/loop", on = "t.a", severity = "major", cite = "HOG-1",
  check = function(e)
    local a = e.data.attack
    if a == "remove" then table.remove(huge(), 1)
    elseif a == "insert" then table.insert(huge(), 1, "x")
    elseif a == "concat" then return table.concat(huge())
    elseif a == "sort" then
      local n = 0
      local t = setmetatable({}, { __len = function() n = n + 1
          return n == 1 and 3 or (1 << 31) - 2 end,
        __index = rawlen, __newindex = rawequal })
      table.sort(t)
      return "sorted; the length was asked " .. n .. " time(s)"
    end
  end }
EOF
write "$T/calm/policy.lua" <<'EOF'
return { title = "uses the packs as shipped" }
EOF
{
    event h1 '{"attack":"remove"}' "" t.a US-XX hog
    event h2 '{"attack":"insert"}' "" t.a US-XX hog
    event h3 '{"attack":"concat"}' "" t.a US-XX hog
    event h4 '{"attack":"sort"}' "" t.a US-XX hog
    event c1 '{}' "" t.a US-XX calm
} >"$TMP/loops.ndjson"
# the time limit out of the way (a sanitizer build on a busy machine is
# slow), so that the instruction count is what stops each loop
run timeout $LIMIT "$EDICT" eval --packs "$P" --tenants "$T" --limit-time 60000 "$TMP/loops.ndjson"
is "loops: eval finishes (not killed by timeout)" "$RC" 0
is "loops: five decisions" "$(jv "$OUT" 'N')" 5
INSTR="instruction limit exceeded (5000000 instructions)"
for i in 1 2 3; do
    is "loops: h$i ends in the instruction limit" \
        "$(jv "$OUT" "D[$i].errors[1] and D[$i].errors[1].message")" "$INSTR"
done
is "loops: the sort asks the length once" \
    "$(jv "$OUT" 'D[4].findings[2] and D[4].findings[2].message')" \
    "sorted; the length was asked 1 time(s)"
is "loops: the calm tenant's event is decided" \
    "$(jv "$OUT" 'D[5].tenant .. " " .. D[5].findings[1].message')" "calm base saw c1"

# With the time limit as the only limit that can run out, each stops on
# the clock instead.
run timeout $LIMIT "$EDICT" eval --packs "$P" --tenants "$T" \
    --limit-instructions 1000000000 --limit-time 200 "$TMP/loops.ndjson"
is "loops (clock): eval finishes" "$RC" 0
for i in 1 2 3; do
    is "loops (clock): h$i ends in the time limit" \
        "$(jv "$OUT" "D[$i].errors[1] and D[$i].errors[1].message")" \
        "time limit exceeded (200 ms)"
done
rm -rf "$T/hog" "$T/calm"

# --- 2. interpreter crashes (Lua 5.4.4) ---------------------------------------
# Each of these killed the process at 86c1066 (SIGSEGV): the evaluation
# that runs them must end in an error entry, and the next tenant's event
# must be decided by the same process.
write "$T/crasher/policy.lua" <<'EOF'
return { rules = { "crash.lua" } }
EOF
write "$T/crasher/crash.lua" <<'EOF'
local function nest(n, f)
  if n == 0 then return f() end
  return select(2, pcall(nest, n - 1, f))
end
rule { id = "crasher/crash", on = "t.a", severity = "major", cite = "CRASH-1",
  check = function(e)
    local a = e.data.attack
    if a == "close" then
      -- 300 coroutines, each closing the previous one from its __close,
      -- inside nested pcalls
      local prev
      for i = 1, 300 do
        local p = prev
        local co = coroutine.create(function()
          local x <close> = setmetatable({}, { __close = function()
            if p then nest(150, function() assert(coroutine.close(p)) end) end
          end })
          coroutine.yield()
        end)
        coroutine.resume(co)
        prev = co
      end
      nest(150, function() assert(coroutine.close(prev)) end)
      return "closed them all"
    elseif a == "chain" then
      -- t.a.a.a... (100,000 links).x()
      local f = assert(load("local t = ...\nreturn t" .. (".a"):rep(100000) .. ".x()",
                            "=chain", "t", {}))
      f(setmetatable({}, { __index = function(t) return t end }))
    elseif a == "concat" then
      local function r(n) if n > 0 then return 1 + r(n - 1) end return 0 end
      local t = setmetatable({}, { __concat = function() r(5000) return "x" end })
      for i = 1, 20 do local s = "a" .. t .. "b" end
    end
  end }
EOF
write "$T/calm/policy.lua" <<'EOF'
return { title = "uses the packs as shipped" }
EOF
{
    event k1 '{"attack":"close"}' "" t.a US-XX crasher
    event k2 '{"attack":"chain"}' "" t.a US-XX crasher
    event k3 '{"attack":"concat"}' "" t.a US-XX crasher
    event c2 '{}' "" t.a US-XX calm
} >"$TMP/crash.ndjson"
run timeout $LIMIT "$EDICT" eval --packs "$P" --tenants "$T" "$TMP/crash.ndjson"
is "crashes: eval survives" "$RC" 0
is "crashes: four decisions" "$(jv "$OUT" 'N')" 4
# (each nested close is refused inside a pcall of the rule's: it goes on)
is "crashes: the rule closing 300 coroutines ends normally" \
    "$(jv "$OUT" 'D[1].findings[2].message')" "closed them all"
has "crashes: the 100,000-link chain is refused when loaded" "$OUT" \
    "chain:2: more than 100 table reads or moves of one value in a row"
has "crashes: __concat is refused" "$OUT" "__concat metamethods are not allowed in rules"
is "crashes: the calm tenant's event is decided" \
    "$(jv "$OUT" 'D[4].tenant .. " " .. D[4].findings[1].message')" "calm base saw c2"

# The chain written in a tenant's file is refused by check, naming it.
{
    printf 'rule { id = "crasher/long", on = "t.a", severity = "info", cite = "C-2",\n'
    printf '  check = function(e) return e%s.x() end }\n' "$(printf '.a%.0s' $(seq 1 300))"
} >"$T/crasher/long.lua"
write "$T/crasher/policy.lua" <<'EOF'
return { rules = { "crash.lua", "long.lua" } }
EOF
run timeout $LIMIT "$EDICT" check --tenants "$T" "$P"
is "chain in a file: check fails" "$RC" 1
has "chain in a file: named with its line" "$OUT" \
    "tenants/crasher/long.lua:2: more than 100 table reads or moves of one value in a row"
rm -rf "$T/crasher" "$T/calm"

# --- 3. same event, different decision ----------------------------------------
# A rule whose result depended on the run: the order a sort leaves equal
# elements in, pairs over table keys, a weak table. Decided twice, in two
# processes, the decisions must be byte for byte the same; the sort keeps
# equal elements in input order; the other two are refused with a reason.
write "$T/fickle/policy.lua" <<'EOF'
return { rules = { "fickle.lua" } }
EOF
write "$T/fickle/fickle.lua" <<'EOF'
rule { id = "fickle/order", on = "t.a", severity = "info", cite = "FICKLE-1",
  check = function(e)
    local a = e.data.attack
    if a == "sort" then
      local t = {}
      for i = 1, 400 do t[i] = { id = i, k = (i * 7919) % 4 } end
      table.sort(t, function(x, y) return x.k < y.k end)
      local ids = {}
      for i = 1, #t do ids[i] = t[i].id end
      return table.concat(ids, " ")
    elseif a == "pairs" then
      local out = {}
      for k, v in pairs({ [{}] = "a", [{}] = "b", [{}] = "c" }) do out[#out + 1] = v end
      return table.concat(out)
    elseif a == "weak" then
      local cache = setmetatable({}, { __mode = "v" })
      cache[1] = {}
      return cache[1] and "full" or "empty"
    end
  end }
EOF
{
    event f1 '{"attack":"sort"}' "" t.a US-XX fickle
    event f2 '{"attack":"pairs"}' "" t.a US-XX fickle
    event f3 '{"attack":"weak"}' "" t.a US-XX fickle
} >"$TMP/fickle.ndjson"
run timeout $LIMIT "$EDICT" eval --packs "$P" --tenants "$T" "$TMP/fickle.ndjson"
cp "$OUT" "$TMP/fickle.1"
run timeout $LIMIT "$EDICT" eval --packs "$P" --tenants "$T" "$TMP/fickle.ndjson"
check "determinism: the same decisions, byte for byte, in two runs" cmp -s "$OUT" "$TMP/fickle.1"
# ids with k = 0 are the multiples of 4, in order: a stable sort
is "determinism: the sort keeps equal elements in their order" \
    "$(jv "$OUT" 'D[1].findings[2].message:sub(1, 23)')" "4 8 12 16 20 24 28 32 3"
has "determinism: pairs over table keys is refused" "$OUT" \
    "cannot iterate over a table with a key of type table"
has "determinism: weak tables are refused" "$OUT" "__mode is not allowed in rules"
rm -rf "$T/fickle"

# --- 4. state carried from one event to the next -------------------------------
# Three events, one tenant: each must get the decision the first got.
write "$T/carry/policy.lua" <<'EOF'
return { rules = { "carry.lua" } }
EOF
write "$T/carry/lib/tally.lua" <<'EOF'
return { n = 0 }
EOF
write "$T/carry/carry.lua" <<'EOF'
local M = { __count = 0 }
M.__index = M
require "lib.tally"
rule { id = "carry/count", on = "t.a", severity = "info", cite = "CARRY-1",
  check = function(e)
    if e.data.attack == "meta" then
      M.__count = M.__count + 1
      return "count " .. M.__count
    elseif e.data.attack == "module" then
      local t = require "lib.tally"
      t.n = t.n + 1
      return "tally " .. t.n
    end
  end }
EOF
{
    for i in 1 2 3; do event "m$i" '{"attack":"meta"}' "" t.a US-XX carry; done
    for i in 1 2 3; do event "r$i" '{"attack":"module"}' "" t.a US-XX carry; done
} >"$TMP/carry.ndjson"
run timeout $LIMIT "$EDICT" eval --packs "$P" --tenants "$T" "$TMP/carry.ndjson"
is "state: eval exits 0" "$RC" 0
for i in 1 2 3; do
    is "state: M.__count is read-only (event $i)" \
        "$(jv "$OUT" "D[$i].errors[1] and D[$i].errors[1].message")" \
        "pack data is read-only (cannot set field '__count')"
    j=$((i + 3))
    is "state: a module kept by require is read-only (event $i)" \
        "$(jv "$OUT" "D[$j].errors[1] and D[$j].errors[1].message")" \
        "pack data is read-only (cannot set field 'n')"
done

# What no freeze can reach refuses the overlay at check (and so at load
# and reload, which check first): a coroutine a module returns, a hasher.
write "$T/carry/lib/gen.lua" <<'EOF'
return coroutine.wrap(function() local n = 0 while true do n = n + 1 coroutine.yield(n) end end)
EOF
write "$T/carry/gen.lua" <<'EOF'
require "lib.gen"
rule { id = "carry/gen", on = "t.a", severity = "info", cite = "CARRY-2",
  check = function() return "gen " .. require("lib.gen")() end }
EOF
write "$T/carry/policy.lua" <<'EOF'
return { rules = { "gen.lua" } }
EOF
run timeout $LIMIT "$EDICT" check --tenants "$T" "$P"
is "state: a coroutine from a module: check fails" "$RC" 1
has "state: a coroutine from a module: named" "$OUT" \
    "tenants/carry: the pack keeps a coroutine.wrap function made while it loaded"
write "$T/carry/hash.lua" <<'EOF'
local h = require("edict.hash").hasher("sha256")
rule { id = "carry/hash", on = "t.a", severity = "info", cite = "CARRY-3",
  check = function() return h:update("x"):final() end }
EOF
write "$T/carry/policy.lua" <<'EOF'
return { rules = { "hash.lua" } }
EOF
run timeout $LIMIT "$EDICT" check --tenants "$T" "$P"
is "state: a hasher made at load: check fails" "$RC" 1
has "state: a hasher made at load: named" "$OUT" \
    "tenants/carry: the pack keeps an edict.hash.hasher made while it loaded"
rm -rf "$T/carry"

# --- 5. files outside the pack ---------------------------------------------------
# Pack and overlay files were read through symbolic links, wherever they
# led. A link whose target leaves its pack or overlay folder is refused
# now, by check and by eval (load; a reload builds its catalog the same
# way), naming the file; a link that stays inside still works.
S=$TMP/links
mkpack "$S/packs/demo" demo 1 US-XX
write "$S/packs/demo/rules.lua" <<'EOF'
local conf = require "lib.conf"
rule { id = "demo/conf", on = "t.a", severity = "info", cite = "DEMO-1",
  check = function() return "conf: " .. tostring(conf.value) end }
EOF
write "$S/elsewhere/conf.lua" <<'EOF'
return { value = "a file from outside the pack" }
EOF
mkdir -p "$S/packs/demo/lib"
ln -s ../../../elsewhere/conf.lua "$S/packs/demo/lib/conf.lua"
event l1 >"$TMP/links.ndjson"

run timeout $LIMIT "$EDICT" check "$S/packs"
is "links: a Lua file outside the pack: check fails" "$RC" 1
has "links: a Lua file outside the pack: named" "$OUT" \
    "packs/demo/lib/conf.lua: a symbolic link to ../../../elsewhere/conf.lua, outside the pack folder: refused"
run timeout $LIMIT "$EDICT" eval --packs "$S/packs" "$TMP/links.ndjson"
is "links: a Lua file outside the pack: eval refuses to start" "$RC" 1
lacks "links: its content is in no decision" "$OUT" "a file from outside the pack"

# /etc/os-release reads as Lua (NAME="Debian GNU/Linux" is an assignment):
# required, it set globals a check could return
rm "$S/packs/demo/lib/conf.lua"
ln -s /etc/os-release "$S/packs/demo/lib/conf.lua"
cp "$S/packs/demo/rules.lua" "$TMP/rules.keep"
write "$S/packs/demo/rules.lua" <<'EOF'
pcall(require, "lib.conf")
rule { id = "demo/conf", on = "t.a", severity = "info", cite = "DEMO-1",
  check = function() return "os: " .. tostring(PRETTY_NAME) end }
EOF
PRETTY=$(sed -n 's/^PRETTY_NAME="\(.*\)"$/\1/p' /etc/os-release 2>/dev/null)
run timeout $LIMIT "$EDICT" check "$S/packs"
is "links: /etc/os-release: check fails" "$RC" 1
has "links: /etc/os-release: named" "$OUT" \
    "packs/demo/lib/conf.lua: a symbolic link to /etc/os-release, outside the pack folder: refused"
run timeout $LIMIT "$EDICT" eval --packs "$S/packs" "$TMP/links.ndjson"
is "links: /etc/os-release: eval refuses to start" "$RC" 1
if [ -n "$PRETTY" ]; then
    lacks "links: /etc/os-release: its text is in no decision" "$OUT" "$PRETTY"
    lacks "links: /etc/os-release: its text is in no error" "$ERR" "$PRETTY"
fi
cp "$TMP/rules.keep" "$S/packs/demo/rules.lua"

# a folder linked from outside
rm "$S/packs/demo/lib/conf.lua"
rmdir "$S/packs/demo/lib"
ln -s ../../elsewhere "$S/packs/demo/lib"
run timeout $LIMIT "$EDICT" check "$S/packs"
is "links: a folder outside the pack: check fails" "$RC" 1
has "links: a folder outside the pack: named" "$OUT" \
    "packs/demo/lib: a symbolic link to ../../elsewhere, outside the pack folder: refused"

# inside the pack, a link is an alias and works
rm "$S/packs/demo/lib"
write "$S/packs/demo/lib/real.lua" <<'EOF'
return { value = "the pack's own file" }
EOF
ln -s real.lua "$S/packs/demo/lib/conf.lua"
run timeout $LIMIT "$EDICT" eval --packs "$S/packs" "$TMP/links.ndjson"
is "links: inside the pack: eval runs" "$RC" 0
is "links: inside the pack: the linked file is read" \
    "$(jv "$OUT" 'D[1].findings[1].message')" "conf: the pack's own file"

# A tenant overlay reading another tenant's: alpha's lib/peek.lua links
# to beta's policy.lua and its confidential params.
mkpack "$S/packs2/tp" tp 1 US-XX '' '' 'params = { secret = "none" },'
write "$S/packs2/tp/rules.lua" <<'EOF'
rule { id = "tp/ok", on = "t.a", severity = "info", cite = "TP-1",
  check = function() return "tp ok" end }
EOF
write "$S/tenants/beta/policy.lua" <<'EOF'
return { params = { tp = { secret = "beta's confidential figure" } } }
EOF
write "$S/tenants/alpha/policy.lua" <<'EOF'
return { rules = { "peek.lua" } }
EOF
write "$S/tenants/alpha/peek.lua" <<'EOF'
local beta = require "lib.peek"
rule { id = "alpha/peek", on = "t.a", severity = "info", cite = "ALPHA-1",
  check = function() return "beta's secret: " .. tostring(beta.params.tp.secret) end }
EOF
mkdir -p "$S/tenants/alpha/lib"
ln -s ../../beta/policy.lua "$S/tenants/alpha/lib/peek.lua"
run timeout $LIMIT "$EDICT" check --tenants "$S/tenants" "$S/packs2"
is "links: another tenant's file: check fails" "$RC" 1
has "links: another tenant's file: named" "$OUT" \
    "tenants/alpha/lib/peek.lua: a symbolic link to ../../beta/policy.lua, outside the overlay folder: refused"
event a1 '{}' "" t.a US-XX alpha >"$TMP/alpha.ndjson"
run timeout $LIMIT "$EDICT" eval --packs "$S/packs2" --tenants "$S/tenants" "$TMP/alpha.ndjson"
is "links: another tenant's file: eval refuses to start" "$RC" 1
lacks "links: beta's params are in none of alpha's decisions" "$OUT" "confidential"

summary
