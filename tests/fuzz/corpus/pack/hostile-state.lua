return { name = "fuzz", version = "1", jurisdiction = "*", rules = { "rules.lua" },
  params = { f = function() return 1 end } }
--8<--
-- issue 10, class 4: state made at load time
local M = { __count = 0 }
M.__index = M
local obj = setmetatable({}, M)
local h = require("edict.hash").hasher("sha256")
local it = ("a b c"):gmatch("%a")
local p = pairs({ a = 1 })
local co = coroutine.wrap(function() coroutine.yield(1) end)
rule { id = "fuzz/s", on = "x", severity = "info", cite = "c",
  check = function() M.__count = M.__count + 1 return h, it, p, co, obj end }
