-- jurisdictions/us-md/waste.lua — waste and destruction records
-- (waste.recorded) in Maryland.
--
-- What FACTS.md supports, honestly: very little. No Maryland rule on waste
-- handling, witnesses, photos or a destruction window was found. What was
-- found is COMAR 14.17.11.03A: seed-to-sale data must be "timely and
-- accurate" [P], and a waste entry is seed-to-sale data (it removes product
-- from inventory). So the only waste rule here is the same Metrc window as
-- for inventory moves, with the same param and the same caveat: the 24 h
-- figure is pack policy (seed 000 "real-time sync encouraged"), not a
-- Maryland number. Oregon's witness + photo and California's destruction
-- notes are NOT applied to Maryland. Retention: retention.lua.
-- luacheck: globals rule

local window = require "edict.window"

-- Reading: the window runs from occurred_at, the occurrence of the waste
-- event (the catalogue's anchor, as for California). Severity major, as for
-- moves. Edges as edict.window.
rule {
  id = "us-md/waste-metrc-report",
  on = "waste.recorded",
  severity = "major",
  cite = "COMAR 14.17.11.03A; seed 000 policy: real-time Metrc sync (24 h window)",
  title = "Waste entered in Metrc in time",
  check = function(e, ctx)
    return window.metrc(e, ctx, {
      what = "waste " .. window.record(e, "waste_id"),
      window_name = "reporting window set for COMAR 14.17.11.03A's 'timely' data",
      action = "record_in_metrc",
      from_field = "destroyed_at",
    })
  end,
}
