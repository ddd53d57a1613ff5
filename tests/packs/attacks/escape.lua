-- tests/packs/attacks/escape.lua — reaching outside the sandbox: files,
-- processes, native code, binary chunks, the debug library, the string
-- metatable, loading code without an environment.
-- luacheck: globals rule io os debug package loadfile dofile collectgarbage _G
local attack = require "lib.attack"

-- The start of a binary chunk (what string.dump would produce): its first
-- byte is enough for load to take it as binary.
local BINARY = "\27LuaT\0\25\147\r\n\26\n"

attack("io", function()
  return io.open("/etc/passwd"):read("a")
end)

attack("os", function()
  os.execute("id")
end)

attack("require-path", function()
  return require("/etc/passwd")
end)

attack("require-parent", function()
  return require("../../../runtime/sandbox")
end)

attack("require-late", function()
  -- lib/late.lua is part of the pack, but was not required while it loaded
  return require("lib.late")
end)

attack("loadfile", function()
  return loadfile("/etc/passwd")
end)

attack("dofile", function()
  return dofile("/etc/passwd")
end)

attack("loadlib", function()
  return package.loadlib("libc.so.6", "system")
end)

attack("binary-chunk", function()
  local f, err = load(BINARY, "=binary", "t", {})
  if f then return "a binary chunk loaded" end
  error(err, 0)
end)

attack("binary-chunk-mode", function()
  return load(BINARY, "=binary", "b", {})
end)

attack("load-without-env", function()
  return load("return io")
end)

attack("load-with-env", function()
  -- a chunk loaded with an env sees that env and nothing else
  local f = load("return io, os, string", "=inner", "t", {})
  local a, b, c = f()
  if a ~= nil or b ~= nil or c ~= nil then return "a loaded chunk reached the globals" end
end)

attack("string-dump", function()
  return string.dump(function() end)
end)

attack("debug", function()
  return debug.getinfo(1)
end)

attack("debug-sethook", function()
  debug.sethook()
end)

attack("string-metatable", function()
  local mt = getmetatable("")
  if type(mt) ~= "string" then return "the string metatable is reachable" end
  -- what a real metatable would allow: swap the methods of every string
  mt.__index.upper = function() return "pwned" end
end)

attack("globals-table", function()
  _G.string = { upper = function() return "pwned" end }
end)

attack("collectgarbage", function()
  collectgarbage("stop")
end)

attack("math-random", function()
  return tostring(math.random())
end)
