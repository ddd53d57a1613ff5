-- jurisdictions/us-ca/inventory.lua — inventory movements (inventory.moved)
-- recorded in Metrc within 24 hours, 4 CCR §15049(b).
--
-- Reading taken: §15049(b) lists receipt, rejection, manufacturing, QC and
-- R&D use, destruction, packaging, testing and sale or donation; a move of a
-- package is the shipping or receiving side of those activities, and the
-- event catalogue (DESIGN.md) applies the same 24 h to every
-- inventory.moved event ("CA: not reported within 24 h → major"), as does
-- seed 000's "24-hour sync window". Every move is therefore held to the
-- window, internal room-to-room moves included.
-- luacheck: globals rule

local window = require "edict.window"

-- Severity major: the catalogue's figure. Same instant arithmetic and edges
-- as waste (edict.window.metrc): 24 h 0 s on time, 24 h + 1 s
-- late; not yet recorded → obligation `record_in_metrc` until as_of passes
-- the deadline.
rule {
  id = "us-ca/inventory-metrc-24h",
  on = "inventory.moved",
  severity = "major",
  cite = "4 CCR §15049(b)",
  title = "Inventory movement recorded in Metrc within 24 hours",
  check = function(e, ctx)
    local d = e.data or {}
    local what = "move of package " .. window.record(e, "package_id")
    local from, to = window.text(d.from), window.text(d.to)
    if from and to then
      what = ("%s from %s to %s"):format(what, from, to)
    end
    return window.metrc(e, ctx, {
      what = what,
      window_name = "window of 4 CCR §15049(b)",
      action = "record_in_metrc",
    })
  end,
}
