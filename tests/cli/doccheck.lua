-- doccheck.lua — run a console block of a document and compare what it
-- prints with what the document shows.
--
--   lua5.4 doccheck.lua FILE N DIR EDICT_DIR
--
-- Block N (from 1) is the Nth ```console block of FILE. Its "$ " lines are
-- run in order by one sh in DIR (so `echo $?` sees the command before it),
-- with EDICT_DIR first on PATH and "/tmp/" read as DIR/tmp/. The lines
-- after a command are what it must print (stdout and stderr together):
-- "…" (or "...") alone stands for any number of lines, and within a line
-- "…" stands for any text. A `cat FILE` whose file does not exist yet
-- makes it from the lines the document shows, as a reader would write it.
-- Prints "ok - FILE block N: $ command", or "FAIL - …: differs" followed by
-- indented lines (the first shown line that differs, what was printed);
-- exits 1 when any command's output differs.
local file, n, dir, edict_dir = arg[1], tonumber(arg[2]), arg[3], arg[4]

local shown_file = file:match("[^/]+$")

local function read_block()
  local count, inside, lines = 0, false, {}
  for line in io.lines(file) do
    if not inside and line == "```console" then
      count = count + 1
      inside = count == n
    elseif inside and line == "```" then
      return lines
    elseif inside then
      lines[#lines + 1] = line
    end
  end
  error(("%s has no console block %d"):format(file, n))
end

-- the block as commands, each with the lines it must print
local function commands(lines)
  local out = {}
  for _, line in ipairs(lines) do
    local cmd = line:match("^%$ (.*)$")
    if cmd then
      out[#out + 1] = { cmd = cmd, want = {} }
    elseif out[#out] then
      table.insert(out[#out].want, line)
    end
  end
  return out
end

local function rtrim(s) return (s:gsub("%s+$", "")) end

-- a shown line as a pattern: "…" is any text, everything else literal
local function line_pattern(shown)
  local parts = {}
  for piece in (shown .. "…"):gmatch("(.-)…") do
    parts[#parts + 1] = piece:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
  end
  return "^" .. table.concat(parts, ".-") .. "$"
end

-- do the lines got match the lines wanted? the index of the first wanted
-- line that fails, or nil
local function matches(want, got)
  local function from(wi, gi)
    if wi > #want then
      if gi > #got then return nil end
      return wi
    end
    local w = rtrim(want[wi])
    if w:match("^%s*…$") or w:match("^%s*%.%.%.$") then
      for k = gi, #got + 1 do
        if from(wi + 1, k) == nil then return nil end
      end
      return wi
    end
    if gi > #got or not rtrim(got[gi]):match(line_pattern(w)) then return wi end
    return from(wi + 1, gi + 1)
  end
  return from(1, 1)
end

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local cmds = commands(read_block())
os.execute("mkdir -p " .. shell_quote(dir .. "/tmp"))
local marker = "@@doccheck-end@@"
local script = { "cd " .. shell_quote(dir), "PATH=" .. shell_quote(edict_dir) .. ":$PATH" }
for _, c in ipairs(cmds) do
  c.run = c.cmd:gsub("/tmp/", dir .. "/tmp/")
  local cat = c.run:match("^cat (%S+)$")
  if cat then
    local path = cat:sub(1, 1) == "/" and cat or dir .. "/" .. cat
    local f = io.open(path, "r")
    if f then
      f:close()
    else
      f = assert(io.open(path, "w"))
      f:write(table.concat(c.want, "\n"), "\n")
      f:close()
    end
  end
  -- braced, so that the command's own redirections apply inside
  script[#script + 1] = "{ " .. c.run .. "\n} 2>&1; __rc=$?; echo " .. marker .. "; (exit $__rc)"
end
local p = assert(io.popen(table.concat(script, "\n") .. "\n", "r"))
local outputs, current = {}, {}
for line in p:lines() do
  if line == marker then
    outputs[#outputs + 1] = current
    current = {}
  else
    current[#current + 1] = line
  end
end
p:close()

local failed = false
for i, c in ipairs(cmds) do
  local got = outputs[i] or {}
  local bad = matches(c.want, got)
  local label = ("%s block %d: $ %s"):format(shown_file, n, c.cmd)
  if bad == nil then
    print("ok - " .. label)
  else
    failed = true
    print("FAIL - " .. label .. ": differs")
    print("    shown: " .. (c.want[bad] or "(the end)"))
    print("    it printed:")
    for k = 1, math.min(#got, 40) do print("      " .. got[k]) end
    if #got > 40 then print(("      (%d lines more)"):format(#got - 40)) end
  end
end
os.exit(failed and 1 or 0)
