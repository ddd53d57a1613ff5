-- jurisdictions/ca-ctls/tests/monthly.lua — fixtures for the CTLS monthly
-- report placeholder: within 5 %, exactly 5 %, just over, a category whose
-- previous closing was zero, units, missing quantities.
local function report(id, cats)
  return { type = "ctls.monthly_report", id = id, occurred_at = "2026-12-10T09:00:00-05:00",
           data = { licence = "LIC-ON-0042", month = "2026-11", categories = cats } }
end

local GAP = { "ca-ctls/opening-vs-closing" }

return {
  { name = "openings within 5 % of last month's closings: green",
    event = report("c-ok", {
      { category = "dried cannabis", unit = "kg", opening = 102.0, previous_closing = 100.0 },
      { category = "plants", unit = "count", opening = 480, previous_closing = 500 } }),
    expect = { flag = "green", findings = {} } },

  { name = "exactly 5 % apart: not blocked",
    event = report("c-5", { { category = "dried cannabis", unit = "kg", opening = 105, previous_closing = 100 } }),
    expect = { flag = "green", findings = {} } },

  { name = "5.1 % apart: CTLS blocks the report, critical, naming the category",
    event = report("c-51", { { category = "dried cannabis", unit = "kg", opening = 105.1, previous_closing = 100 } }),
    expect = { flag = "red", findings = GAP,
               messages = { "dried cannabis: opening 105.1 differs from last month's closing 100 by 5.1 %" } } },

  { name = "a closing of zero and a non-zero opening: blocked",
    event = report("c-zero", { { category = "plants", unit = "count", opening = 12, previous_closing = 0 } }),
    expect = { flag = "red", findings = GAP } },

  { name = "plants in kg and a missing opening: major",
    event = report("c-units", {
      { category = "plants", unit = "kg", opening = 10, previous_closing = 10 },
      { category = "oil", unit = "kg", previous_closing = 3 } }),
    expect = { flag = "yellow", findings = { "ca-ctls/unreadable-quantity", "ca-ctls/unreadable-quantity" },
               messages = { "plants: unit is", "oil: opening is" } } },
}
