-- jurisdictions/ca-ctls/pack.lua — Health Canada's CTLS monthly report, as
-- a placeholder (README.md there): the one check FACTS §6 gives from the
-- CTLS guide [P C2], that a month's opening inventory may differ from the
-- previous month's closing inventory by at most 5 % (CTLS blocks the
-- report otherwise), and the units it takes (kg, plants as counts). edict
-- sends nothing to CTLS: adapters/ctls/ctls.h is an interface only.
return {
  name = "ca-ctls",
  version = "2026.1",
  jurisdiction = "CA",
  title = "Health Canada CTLS monthly report (Cannabis Tracking System Order): placeholder",
  -- the Cannabis Tracking System Order in force 17 Oct 2018 (FACTS §6 [P C1, C4])
  effective_from = "2018-10-17",
  zone = "America/Toronto",
  params = {
    -- CTLS blocks a report whose opening inventory differs from the
    -- previous month's closing by more than this fraction (FACTS §6 [P C2]).
    opening_tolerance = { default = 0.05, max = 0.05, cite = "CTLS reporting guide (FACTS §6, C2)",
                          rules = { "ca-ctls/opening-vs-closing" } },
  },
  events = { "ctls.monthly_report" }, -- the types it decides (docs/EVENTS.md)
  rules = { "monthly.lua" },
}
