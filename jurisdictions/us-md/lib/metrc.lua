-- jurisdictions/us-md/lib/metrc.lua — this pack's "recorded in Metrc within
-- N hours of occurred_at" check: edict.window's check with the pack's
-- params (report_window_hours) and zone and Metrc's names. How the window is
-- measured (instant arithmetic, edges, unreadable times) is edict.window's
-- (RULES.md): 24 h of real time from 2026-03-07T10:00-05:00 ends at 2026-03-08T11:00-04:00
-- on the America/New_York clock.

local window = require "edict.window"

local M = {}

-- The pack's clock: its manifest zone.
function M.zone(ctx)
  return ctx.zone
end

-- The window check for one activity; returns a finding table or nil, and
-- adds the obligation while the activity is not recorded yet.
-- spec = { what = "destruction of waste W-1" (subject of the messages),
--          window_name = "window of ..." (what allows the hours),
--          action = "record_in_metrc" (obligation action) }
function M.report_window(e, ctx, spec)
  return window.check(e, ctx, {
    what = spec.what,
    window_name = spec.window_name,
    action = spec.action,
    hours = window.hours_param(ctx, "report_window_hours"),
    zone = M.zone(ctx),
    system = "Metrc",
    field = "metrc_reported_at",
    evidence = "metrc_entry_record",
  })
end

return M
