-- tests/packs/attacks/lib/attack.lua — attack(name, fn): define rule
-- "attacks/<name>", whose check runs fn(e, ctx) only for events whose
-- data.attack is name.
-- luacheck: globals rule
return function(name, fn)
  rule {
    id = "attacks/" .. name,
    on = "attack.run",
    severity = "major",
    cite = "ZZ-TEST sandbox attack: " .. name,
    check = function(e, ctx)
      if e.data.attack == name then
        return fn(e, ctx)
      end
    end,
  }
end
