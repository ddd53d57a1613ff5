# tests/cli/lib.sh — helpers for the command-line tests (POSIX sh).
#
# Each tests/cli/test_*.sh sources this file, runs from the repository root
# with EDICT pointing at the binary (default build/rel/edict), prints one
# "ok - NAME" or "FAIL - NAME: WHY" line per check and ends with `summary`,
# whose last line is "N passed, N failed" (exit 1 if any failed).
#
#   ok NAME                  count a pass
#   fail NAME WHY            count a failure
#   check NAME CMD...        pass when CMD exits 0
#   is NAME GOT WANT         pass when GOT = WANT (prints both otherwise)
#   has NAME FILE TEXT       pass when FILE contains the fixed TEXT
#   lacks NAME FILE TEXT     pass when FILE does not contain TEXT
#   run CMD...               run CMD: stdout in $OUT, stderr in $ERR, status in $RC
#                            (a sanitizer report on stderr counts as a failure)
#   jv FILE EXPR             evaluate the Lua expression EXPR over FILE (see below)
#   write FILE               write stdin to FILE (creating its folder)
#
# jv: FILE is read line by line; in EXPR, L[i] is the i-th non-blank line,
# D[i] that line decoded with lua-cjson (nil if it is not JSON), N the number
# of lines, null is cjson.null, keys(s) the top-level keys of the JSON text s
# in the order written, str(v) is tostring(v) with null as "null",
# join(t[, sep]) joins a list, pluck(t, k) collects
# field k of each element, count(s, text) counts plain occurrences,
# same(a, b) compares decoded values deeply.
# The result is printed with tostring (nil prints "nil").

set -u

ROOT=$(pwd)
EDICT=${EDICT:-build/rel/edict}
case $EDICT in
/*) ;;
*) EDICT=$ROOT/$EDICT ;;
esac
if [ ! -x "$EDICT" ]; then
    echo "FAIL - setup: no edict binary at $EDICT (run make)"
    echo "0 passed, 1 failed"
    exit 1
fi

T_PASSED=0
T_FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/edict-cli.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM HUP
OUT=$TMP/.out
ERR=$TMP/.err
RC=0

ok() {
    T_PASSED=$((T_PASSED + 1))
    echo "ok - $1"
}

fail() {
    T_FAILED=$((T_FAILED + 1))
    echo "FAIL - $1: $2"
}

check() {
    _name=$1
    shift
    if "$@" >/dev/null 2>&1; then
        ok "$_name"
    else
        fail "$_name" "not true: $*"
    fi
}

is() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        fail "$1" "expected [$3], got [$2]"
    fi
}

has() {
    if grep -F -q -e "$3" "$2"; then
        ok "$1"
    else
        fail "$1" "$(basename "$2") lacks [$3]; it holds: $(head -c 600 "$2")"
    fi
}

lacks() {
    if grep -F -q -e "$3" "$2"; then
        fail "$1" "$(basename "$2") holds [$3]: $(grep -F -e "$3" "$2" | head -c 600)"
    else
        ok "$1"
    fi
}

run() {
    "$@" >"$OUT" 2>"$ERR"
    RC=$?
    # under `make SANITIZE=1` a sanitizer report is a failure of its own
    if grep -q -e 'Sanitizer' -e 'runtime error:' "$ERR"; then
        fail "sanitizer report from: $*" "$(grep -m 3 -e 'Sanitizer' -e 'runtime error:' "$ERR")"
    fi
}

write() {
    mkdir -p "$(dirname "$1")"
    cat >"$1"
}

cat >"$TMP/.jv.lua" <<'EOF'
local cjson = require "cjson"
local path, expr = arg[1], arg[2]
local L, D = {}, {}
-- cjson decodes every number as a float: give integral ones back as integers
local function ints(v)
  if type(v) == "table" then
    for k, x in pairs(v) do v[k] = ints(x) end
  elseif math.type(v) == "float" and math.tointeger(v) then
    return math.tointeger(v)
  end
  return v
end
for line in assert(io.open(path)):lines() do
  if line:find("%S") then
    L[#L + 1] = line
    local ok, v = pcall(cjson.decode, line)
    D[#L] = ok and ints(v) or nil
  end
end
-- top-level keys of a JSON object text, in the order written
local function keys(s)
  local out, depth, i, n = {}, 0, 1, #s
  while i <= n do
    local c = s:sub(i, i)
    if c == '"' then
      local j = i + 1
      while j <= n do
        local d = s:sub(j, j)
        if d == "\\" then j = j + 2
        elseif d == '"' then break
        else j = j + 1 end
      end
      if depth == 1 and s:sub(j + 1):match("^%s*:") then
        out[#out + 1] = s:sub(i + 1, j - 1)
      end
      i = j + 1
    else
      if c == "{" or c == "[" then depth = depth + 1
      elseif c == "}" or c == "]" then depth = depth - 1 end
      i = i + 1
    end
  end
  return out
end
local function join(t, sep)
  local o = {}
  for i, v in ipairs(t or {}) do o[i] = tostring(v) end
  return table.concat(o, sep or ",")
end
local function pluck(t, k)
  local o = {}
  for i, v in ipairs(t or {}) do o[i] = type(v) == "table" and v[k] or nil end
  return o
end
local function count(s, text)
  local c, i = 0, 1
  while true do
    local a, b = s:find(text, i, true)
    if not a then return c end
    c, i = c + 1, b + 1
  end
end
-- deep equality of decoded JSON values
local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
-- tostring, with JSON null as "null"
local function str(v)
  if v == cjson.null then return "null" end
  return tostring(v)
end
local env = setmetatable({ L = L, D = D, N = #L, null = cjson.null, keys = keys,
  join = join, str = str, same = same, pluck = pluck, count = count, cjson = cjson },
  { __index = _G })
local fn, err = load("return " .. expr, "=expr", "t", env)
if not fn then io.write("error: ", err) os.exit(0) end
local ok, v = pcall(fn)
if not ok then io.write("error: ", tostring(v)) os.exit(0) end
if v == cjson.null then v = "null" end
io.write(tostring(v))
EOF

jv() {
    lua5.4 "$TMP/.jv.lua" "$1" "$2"
}

summary() {
    echo "$T_PASSED passed, $T_FAILED failed"
    [ "$T_FAILED" -eq 0 ] && exit 0
    exit 1
}

# mkpack DIR NAME VERSION JURISDICTION [FROM [UNTIL [EXTRA]]]: a pack manifest
# with rules = { "rules.lua" }; EXTRA is more manifest text (e.g. params).
mkpack() {
    _from=${5:-2020-01-01}
    _until=""
    if [ -n "${6:-}" ]; then
        _until="effective_until = \"$6\","
    fi
    write "$1/pack.lua" <<EOF2
return {
  name = "$2", version = "$3", jurisdiction = "$4",
  effective_from = "$_from", $_until
  ${7:-}
  rules = { "rules.lua" },
}
EOF2
}

# event ID [DATA [OCCURRED_AT [TYPE [JURISDICTION [TENANT]]]]]: one event as
# a line of JSON (defaults: {} 2024-06-01T12:00:00Z t.a US-XX acme).
event() {
    _data=${2:-}
    [ -n "$_data" ] || _data='{}'
    printf '{"id":"%s","type":"%s","tenant":"%s","jurisdiction":"%s","occurred_at":"%s","data":%s}\n' \
        "$1" "${4:-t.a}" "${6:-acme}" "${5:-US-XX}" "${3:-2024-06-01T12:00:00Z}" "$_data"
}

# serve_up CONFIG PORT_FILE LOG: start `edict serve --config CONFIG` in the
# background, wait (20 s at most) for the port it writes; sets SERVE_PID
# and U (http://127.0.0.1:PORT). Stop it with serve_down.
serve_up() {
    rm -f "$2"
    "$EDICT" serve --config "$1" 2>>"$3" &
    SERVE_PID=$!
    _i=0
    while [ ! -s "$2" ] && [ $_i -lt 200 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    U=http://127.0.0.1:$(cat "$2" 2>/dev/null)
}
serve_down() {
    kill -TERM "$SERVE_PID" 2>/dev/null
    wait "$SERVE_PID"
}
