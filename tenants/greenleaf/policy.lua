-- tenants/greenleaf/policy.lua — overlay of Greenleaf, a licensed cannabis
-- operator with premises in Oregon (OLCC) and California (DCC).
--
-- Greenleaf runs the shipped us-or and us-ca packs and tightens them where
-- its own standard operating procedures (SOPs) ask for more than the packs'
-- defaults. Every change below is written in README.md, one line each:
--   * two photos per waste event, not one (us-or min_photos = 2; SOP WM-2);
--   * destruction and package movements in California recorded in Metrc
--     within 12 hours, not the 24 of 4 CCR §15049(b) (us-ca
--     report_window_hours = 12; SOP TT-1);
--   * its own rule greenleaf/waste-weight-signoff (waste.lua): waste over
--     5,000 g needs a manager's sign-off (SOP WM-4).
-- Nothing is waived. Events of any other jurisdiction are refused: Greenleaf
-- holds no licence outside Oregon and California, so such an event is a
-- routing mistake, not something to decide.
return {
  tenant = "greenleaf",
  version = "2026.1",
  title = "Greenleaf cannabis operations (Oregon and California)",
  jurisdictions = { "US-OR", "US-CA" },
  params = {
    ["us-or"] = {
      -- SOP WM-2: every waste record carries at least two different photos
      -- (one of the waste on the scale, one of it in the destruction bin).
      -- The pack counts a photo only with a valid sha256 and counts two
      -- photos with the same digest once.
      min_photos = 2,
    },
    -- Greenleaf's own rule (waste.lua), SOP WM-4: waste strictly over this
    -- many grams needs a manager's sign-off.
    greenleaf = {
      signoff_over_g = 5000,
    },
    ["us-ca"] = {
      -- SOP TT-1: Metrc entries within 12 hours of the activity, half of the
      -- 24 hours 4 CCR §15049(b) allows, so a missed entry is caught while
      -- the legal window is still open. Covers waste.recorded and
      -- inventory.moved (the pack uses one window for both).
      report_window_hours = 12,
    },
  },
  rules = { "waste.lua" },
}
