-- jurisdictions/eu-eudr/tests/application.lua — fixtures for the
-- application dates: the day before and the day of 30 Dec 2026 (large and
-- medium) and 30 Jun 2027 (micro and small), the size missing, in capitals
-- or unknown, occurred_at's own offset deciding the date, and that a "not
-- yet in force" event gets one info finding, nothing else, and its
-- retention date.

-- A clean batch: one verified 2.5 ha plot, three documented transfers.
local function clean_batch(size)
  return {
    batch_id = "B-CI-2026-118", operator_size = size,
    origin_plots = { { plot_id = "PLOT-CI-0042", area_ha = 2.5, deforestation_verified = true,
                       commodity = "cocoa",
                       geolocation = { type = "Point", coordinates = { -5.412345, 6.834567 } } } },
    transfers = {
      { transfer_id = "T-1", from = "PLOT-CI-0042", to = "COOP-SOUBRE", date = "2026-11-02", documents = { "DN-881" } },
      { transfer_id = "T-2", from = "COOP-SOUBRE", to = "EXP-SANPEDRO", date = "2026-11-20", documents = { "DN-902" } },
      { transfer_id = "T-3", from = "EXP-SANPEDRO", to = "IMP-ANTWERP", date = "2026-12-08", documents = { "BL-5531" } },
    },
  }
end

local function batch(id, occurred_at, data)
  return { type = "batch.verify", tenant = "verdant", id = id, occurred_at = occurred_at, data = data }
end

local NYIF = { "eu-eudr/not-yet-in-force" }
local STATUS = { "eu-eudr/chain-status" }

return {
  { name = "large operator, 2026-12-29: not yet in force, one info finding, retention still set",
    event = batch("app-large-before", "2026-12-29T16:00:00+01:00", clean_batch("large")),
    expect = { flag = "green", score = 100, findings = NYIF, retention_until = "2031-12-29",
               messages = { "obligations start on 2026-12-30", "B-CI-2026-118" } } },

  { name = "large operator, 2026-12-30: in force, the chain is verified",
    event = batch("app-large-on", "2026-12-30T09:00:00+01:00", clean_batch("large")),
    expect = { flag = "green", score = 100, findings = STATUS, retention_until = "2031-12-30",
               messages = { "chain of custody VERIFIED (confidence 100)" } } },

  { name = "before the date nothing else speaks, however bad the batch",
    event = batch("app-before-all-wrong", "2026-12-29T16:00:00+01:00",
      { batch_id = "B-EMPTY", operator_size = "medium" }),
    expect = { flag = "green", score = 100, findings = NYIF, retention_until = "2031-12-29" } },

  { name = "operator_size missing: decided as large (earlier date), and the message says so",
    event = batch("app-size-missing", "2026-12-29T10:00:00+01:00", clean_batch(nil)),
    expect = { flag = "green", findings = NYIF,
               messages = { "operator_size not recorded: decided as large", "2026-12-30" } } },

  { name = "operator_size missing on 2026-12-30: in force (not the micro/small date)",
    event = batch("app-size-missing-on", "2026-12-30T10:00:00+01:00", clean_batch(nil)),
    expect = { flag = "green", findings = STATUS } },

  { name = "micro operator (written 'Micro'), 2027-06-29: not yet in force",
    event = batch("app-micro-before", "2027-06-29T12:00:00+02:00", clean_batch("Micro")),
    expect = { flag = "green", findings = NYIF, retention_until = "2032-06-29",
               messages = { "micro operator", "obligations start on 2027-06-30" } } },

  { name = "micro operator, 2027-06-30: in force",
    event = batch("app-micro-on", "2027-06-30T12:00:00+02:00", clean_batch("micro")),
    expect = { flag = "green", findings = STATUS } },

  { name = "small operator in January 2027: not yet in force",
    event = batch("app-small-jan", "2027-01-15T12:00:00+01:00", clean_batch("small")),
    expect = { flag = "green", findings = NYIF, messages = { "2027-06-30" } } },

  { name = "operator_size \"small \" (trailing space, as operators' systems send it): small, not yet in force",
    event = batch("app-small-space", "2027-01-15T12:00:00+01:00", clean_batch("small ")),
    expect = { flag = "green", findings = NYIF, messages = { "2027-06-30" } } },

  { name = "medium operator in January 2027: in force",
    event = batch("app-medium-jan", "2027-01-15T12:00:00+01:00", clean_batch("medium")),
    expect = { flag = "green", findings = STATUS } },

  { name = "unknown operator_size ('sme'): decided as large, so in force in January 2027",
    event = batch("app-size-unknown", "2027-01-15T12:00:00+01:00", clean_batch("sme")),
    expect = { flag = "green", findings = STATUS } },

  { name = "occurred_at's own offset decides: 2026-12-30T00:30+01:00 is the 30th (UTC the 29th)",
    event = batch("app-offset-ahead", "2026-12-30T00:30:00+01:00", clean_batch("large")),
    expect = { flag = "green", findings = STATUS } },

  { name = "Brussels' date decides: 2026-12-29T23:30-05:00 is 12-30 05:30 in Brussels, in force",
    event = batch("app-offset-behind", "2026-12-29T23:30:00-05:00", clean_batch("large")),
    expect = { flag = "green", findings = { "eu-eudr/chain-status" } } },

  { name = "Brussels' midnight: 2026-12-29T23:00:00Z is 12-30 00:00 CET, in force",
    event = batch("app-utc-midnight", "2026-12-29T23:00:00Z", clean_batch("large")),
    expect = { flag = "green", findings = { "eu-eudr/chain-status" } } },

  { name = "one second earlier, 2026-12-29T22:59:59Z (23:59:59 CET on the 29th): not yet in force",
    event = batch("app-utc-before", "2026-12-29T22:59:59Z", clean_batch("large")),
    expect = { flag = "green", findings = NYIF } },

  { name = "DDS before the application date: not yet in force, kept 5 years from submission",
    event = { type = "dds.submitted", tenant = "verdant", id = "app-dds-before",
              occurred_at = "2026-12-18T11:00:00+01:00",
              data = { operator_size = "large", submitted_at = "2026-12-17T15:42:10+01:00" } },
    expect = { flag = "green", findings = NYIF, retention_until = "2031-12-17",
               messages = { "DDS (no dds_reference)" } } },
}
