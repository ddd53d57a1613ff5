-- jurisdictions/eu-eudr/tests/custody.lua — fixtures for the custody chain
-- and transformations of batch.verify: no transfers, transfers without
-- documents or incomplete, temporal gaps at 30/31/89/90 days and across
-- the 2028 leap day, unsorted transfers, and the edict.chain observations
-- (an outside source, a declared plot not named, goods leaving before
-- arriving, a return loop), which are info notes and never lower the
-- score; transformation linkage and mass balance.
--
-- One verified 2.5 ha plot, PLOT-GH-0107, unless a fixture says otherwise.

local PLOT = { plot_id = "PLOT-GH-0107", area_ha = 2.5, deforestation_verified = true, commodity = "cocoa",
               geolocation = { type = "Point", coordinates = { -1.624511, 6.688302 } } }

local function t(id, from, to, date, docs)
  return { transfer_id = id, from = from, to = to, date = date, documents = docs or { "DN-" .. id } }
end

local function batch(id, transfers, over, occurred_at)
  local d = { batch_id = "B-GH-2027-007", operator_size = "large", origin_plots = { PLOT },
              transfers = transfers }
  for k, v in pairs(over or {}) do d[k] = v end
  return { type = "batch.verify", tenant = "verdant", id = id,
           occurred_at = occurred_at or "2027-06-01T10:00:00+02:00", data = d }
end

-- plot → cooperative on 2027-01-04, cooperative → exporter on `second`.
local function two(id, second)
  return batch(id, { t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04"),
                     t("T-2", "COOP-KUMASI", "EXP-TEMA", second) })
end

local function findings(...)
  local f = { "eu-eudr/chain-status" }
  for _, r in ipairs { ... } do f[#f + 1] = "eu-eudr/" .. r end
  return f
end

return {
  -- ---------------------------------------------------------- transfers
  { name = "no transfers: critical (location CHAIN)",
    event = batch("cus-none", nil),
    expect = { flag = "red", score = 75, findings = findings("custody-missing"),
               messages = { "batch B-GH-2027-007: no custody transfers recorded" } } },

  { name = "empty transfers list: critical",
    event = batch("cus-empty", {}),
    expect = { flag = "red", score = 75, findings = findings("custody-missing") } },

  { name = "transfer without documents, and one with an empty list: a major each",
    event = batch("cus-undocumented", {
      t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04"),
      { transfer_id = "T-2", from = "COOP-KUMASI", to = "EXP-TEMA", date = "2027-01-20" },
      t("T-3", "EXP-TEMA", "IMP-HAMBURG", "2027-02-10", {}),
    }),
    expect = { flag = "yellow", score = 80, findings = findings("transfer-undocumented", "transfer-undocumented"),
               messages = { "transfer T-2 missing supporting documents", "transfer T-3 missing" } } },

  { name = "documents holding only empty references: undocumented, major",
    event = batch("cus-empty-refs", { t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04", { "" }) }),
    expect = { flag = "yellow", score = 90, findings = findings("transfer-undocumented") } },

  { name = "transfer without a receiver, one on 30 February: major each",
    event = batch("cus-incomplete", {
      t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04"),
      { transfer_id = "T-2", from = "COOP-KUMASI", date = "2027-01-20", documents = { "DN-2" } },
      t("T-3", "COOP-KUMASI", "EXP-TEMA", "2027-02-30"),
    }),
    expect = { flag = "yellow", score = 80,
               findings = findings("transfer-incomplete", "transfer-incomplete"),
               messages = { "transfer T-2: no to recorded", "date \"2027-02-30\" is not a valid date" } } },

  -- the catalogue (events/catalogue.lua) refuses a transfer that is no
  -- record before any rule runs, naming it by JSON pointer
  { name = "a transfer that is text, not a record: the event is refused at /data/transfers/3",
    event = batch("cus-not-record", {
      t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04"),
      t("T-2", "COOP-KUMASI", "EXP-TEMA", "2027-01-20"),
      t("T-3", "EXP-TEMA", "BUYER-EU", "2027-02-03"),
      "T-4 see paper file",
    }),
    expect = { refused = "/data/transfers/3: expected an object, not text" } },

  -- ---------------------------------------------------------- temporal gaps
  { name = "30 days between transfers: no gap",
    event = two("gap-30", "2027-02-03"),
    expect = { flag = "green", score = 100, findings = findings() } },

  { name = "31 days between transfers: minor gap",
    event = two("gap-31", "2027-02-04"),
    expect = { flag = "yellow", score = 95, findings = findings("custody-gap"),
               messages = { "31 day gap between transfers T-1 (2027-01-04) and T-2 (2027-02-04)" } } },

  { name = "89 days between transfers: still minor",
    event = two("gap-89", "2027-04-03"),
    expect = { flag = "yellow", score = 95, findings = findings("custody-gap") } },

  { name = "90 days between transfers: major",
    event = two("gap-90", "2027-04-04"),
    expect = { flag = "yellow", score = 90, findings = findings("custody-gap"),
               messages = { "90 day gap", "PARTIALLY_VERIFIED (confidence 90)" } } },

  { name = "leap year: 2028-01-30 → 2028-02-29 is 30 days (none), 2028-02-29 → 2028-03-31 is 31 (minor)",
    event = batch("gap-leap", {
      t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2028-01-30"),
      t("T-2", "COOP-KUMASI", "EXP-TEMA", "2028-02-29"),
      t("T-3", "EXP-TEMA", "IMP-HAMBURG", "2028-03-31"),
    }, nil, "2028-04-05T10:00:00+02:00"),
    expect = { flag = "yellow", score = 95, findings = findings("custody-gap"),
               messages = { "31 day gap between transfers T-2 (2028-02-29) and T-3 (2028-03-31)" } } },

  { name = "transfers listed out of order are sorted by date before gaps are measured",
    event = batch("gap-unsorted", {
      t("T-3", "EXP-TEMA", "IMP-HAMBURG", "2027-02-28"),
      t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04"),
      t("T-2", "COOP-KUMASI", "EXP-TEMA", "2027-01-20"),
    }),
    expect = { flag = "yellow", score = 95, findings = findings("custody-gap"),
               messages = { "39 day gap between transfers T-2 (2027-01-20) and T-3 (2027-02-28)" } } },

  -- ---------------------------------------------------------- edict.chain checks
  -- The graph observations are info notes (seed 002 has no such gap): the
  -- decision stays green at 100, the note is there for the analyst.
  { name = "goods also enter from a farmer who is no declared plot: no gap, no note (the seed does not trace)",
    event = batch("graph-unknown-source", {
      t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04"),
      t("T-1b", "FARMER-ASANTE", "COOP-KUMASI", "2027-01-05"),
      t("T-2", "COOP-KUMASI", "EXP-TEMA", "2027-01-20"),
    }),
    expect = { flag = "green", score = 100, findings = findings(),
               messages = { "VERIFIED (confidence 100)" } } },

  { name = "transfers name one declared plot but not the other: an info note, score 100",
    event = batch("graph-plot-unlinked", {
      t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04"),
      t("T-2", "COOP-KUMASI", "EXP-TEMA", "2027-01-20"),
    }, { origin_plots = { PLOT, { plot_id = "PLOT-GH-0108", area_ha = 1.2, deforestation_verified = true,
                                  geolocation = { type = "Point", coordinates = { -1.62, 6.69 } } } } }),
    expect = { flag = "green", score = 100, findings = findings("custody-origin"),
               messages = { "origin plot PLOT-GH-0108 is declared, but unlike the batch's other plots no "
                              .. "custody transfer names it (a note, not a gap",
                            "VERIFIED (confidence 100): no gaps" } } },

  { name = "chain that starts at the cooperative, not the plot: the usual case, green, no note",
    event = batch("graph-no-first-mile", {
      t("T-2", "COOP-KUMASI", "EXP-TEMA", "2027-01-20"),
      t("T-3", "EXP-TEMA", "IMP-HAMBURG", "2027-02-10"),
    }),
    expect = { flag = "green", score = 100, findings = findings(),
               messages = { "VERIFIED (confidence 100)" } } },

  { name = "goods leave the exporter before they arrive there: an info note, score 100",
    event = batch("graph-order", {
      t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04"),
      t("T-2", "COOP-KUMASI", "EXP-TEMA", "2027-01-25"),
      t("T-3", "EXP-TEMA", "IMP-HAMBURG", "2027-01-22"),
    }),
    expect = { flag = "green", score = 100, findings = findings("custody-order"),
               messages = { "transfer T-3 moves the goods out of EXP-TEMA on 2027-01-22, 3 days before",
                            "a note, not a gap" } } },

  { name = "rejected shipment returned to the cooperative and re-sent: loop, an info note",
    event = batch("graph-cycle", {
      t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04"),
      t("T-2", "COOP-KUMASI", "EXP-TEMA", "2027-01-10"),
      t("T-3", "EXP-TEMA", "COOP-KUMASI", "2027-01-15"),
      t("T-4", "COOP-KUMASI", "EXP-TEMA", "2027-01-25"),
      t("T-5", "EXP-TEMA", "IMP-HAMBURG", "2027-02-05"),
    }),
    expect = { flag = "green", score = 100, findings = findings("custody-cycle"),
               messages = { "COOP-KUMASI -> EXP-TEMA -> COOP-KUMASI" } } },

  { name = "part of the goods sold off to another buyer: a branch, not a gap",
    event = batch("graph-split", {
      t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04"),
      t("T-2", "COOP-KUMASI", "LOCAL-MILL", "2027-01-08"),
      t("T-3", "COOP-KUMASI", "EXP-TEMA", "2027-01-20"),
    }),
    expect = { flag = "green", score = 100, findings = findings(),
               messages = { "VERIFIED (confidence 100)" } } },

  -- ---------------------------------------------------------- transformations
  { name = "transformation within the 1 % tolerance (505 kg out of 1000 × 0.5): fine",
    event = batch("tr-ok", { t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04") }, { transformations = {
      { id = "TR-1", inputs = { "B-GH-RAW-1" }, outputs = { "B-GH-2027-007" },
        input_kg = 1000, output_kg = 505, yield_ratio = 0.5 } } }),
    expect = { flag = "green", score = 100, findings = findings() } },

  { name = "505.5 kg out of 1000 × 0.5: over the tolerance, quantity mismatch major",
    event = batch("tr-mismatch", { t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04") }, { transformations = {
      { id = "TR-1", inputs = { "B-GH-RAW-1" }, outputs = { "B-GH-2027-007" },
        input_kg = 1000, output_kg = 505.5, yield_ratio = 0.5 } } }),
    expect = { flag = "yellow", score = 90, findings = findings("mass-balance"),
               messages = { "TR-1 has quantity mismatch: 1000 kg in × yield 0.5 = 500 kg expected, 505.5 kg" } } },

  { name = "transformation without outputs and without quantities: linkage and mass balance, major each",
    event = batch("tr-incomplete", { t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04") }, { transformations = {
      { id = "TR-2", inputs = { "B-GH-RAW-2" }, outputs = {}, input_kg = "1000" } } }),
    expect = { flag = "yellow", score = 80, findings = findings("transformation-linkage", "mass-balance"),
               messages = { "no outputs", "input_kg, output_kg, yield_ratio not recorded" } } },

  { name = "transformations given as text: refused by the catalogue, naming the field",
    event = batch("tr-text", { t("T-1", "PLOT-GH-0107", "COOP-KUMASI", "2027-01-04") },
      { transformations = "see processing log" }),
    expect = { refused = "/data/transformations: expected a list, not text" } },
}
