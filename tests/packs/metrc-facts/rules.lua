-- tests/packs/metrc-facts/rules.lua — a transfer's package must exist in
-- Metrc under the sending licence, its new tag must be available, and the
-- receiving licence must be a facility the keys reach.
local metrc = require "edict.metrc"

rule {
  id = "metrc-facts/package-known",
  on = "package.transferred",
  severity = "critical",
  cite = "test: the package is in Metrc",
  check = function(e, ctx)
    local d = e.data
    local p = metrc.package(d.license, d.package_label)
    if p == nil then return end -- unavailable: the decision lists it (yellow)
    if p == false then
      return ("package %s is not in Metrc under %s"):format(d.package_label, d.license)
    end
    if d.quantity and p.Quantity and d.quantity > p.Quantity then
      return { message = ("package %s holds %s, not %s"):format(d.package_label, p.Quantity, d.quantity),
               severity = "major", details = { held = p.Quantity, moved = d.quantity } }
    end
  end,
}

rule {
  id = "metrc-facts/tag-available",
  on = "package.transferred",
  severity = "major",
  cite = "test: a new tag must be available",
  check = function(e, ctx)
    local d = e.data
    if not d.new_tag then return end
    local ok = metrc.tag_available(d.license, d.new_tag, "package")
    if ok == false then return ("tag %s is not available"):format(d.new_tag) end
  end,
}

rule {
  id = "metrc-facts/receiver",
  on = "package.transferred",
  severity = "major",
  cite = "test: the receiver is a known facility",
  check = function(e, ctx)
    local d = e.data
    if not d.to_license then return end
    local f = metrc.facility(d.to_license)
    if f == false then return ("licence %s is no facility the keys reach"):format(d.to_license) end
  end,
}
