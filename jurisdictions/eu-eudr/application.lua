-- jurisdictions/eu-eudr/application.lua — "not yet in force" for events
-- before the operator's EUDR application date.
--
-- DESIGN.md: an event before the application dates "is decided as 'not yet
-- in force', not silently passed". This rule gives that one info finding
-- (the flag stays green, the score 100); every other rule of the pack
-- returns nothing for such an event (they call application.in_force), and
-- the retention rules still set the retention date, so the event is
-- decided and kept like any other.
-- luacheck: globals rule

local application = require "lib.application"

rule {
  id = "eu-eudr/not-yet-in-force",
  on = { "dds.submitted", "batch.verify" },
  severity = "info",
  cite = "Reg. (EU) 2025/2650 (application dates: 30 Dec 2026 large and medium, 30 Jun 2027 micro and small operators)",
  check = function(e, ctx)
    local s = application.status(e, ctx)
    if s.in_force then return end
    local what = e.type == "batch.verify"
      and ("batch %s"):format(tostring((e.data or {}).batch_id or "(no batch_id)"))
      or ("DDS %s"):format(tostring((e.data or {}).dds_reference or "(no dds_reference)"))
    return {
      message = ("%s on %s is before the EUDR applies to this %s operator: obligations start on %s; "
        .. "decided as not yet in force, nothing else checked%s")
        :format(what, s.occurred_on, s.operator_size, s.application_date,
          s.size_note and (" (" .. s.size_note .. ")") or ""),
      details = {
        application_date = s.application_date, occurred_on = s.occurred_on,
        operator_size = s.operator_size, size_assumed = s.size_assumed,
      },
    }
  end,
}
