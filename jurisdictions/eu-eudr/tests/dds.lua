-- jurisdictions/eu-eudr/tests/dds.lua — fixtures for dds.submitted: the
-- 5-year retention from submitted_at (leap day included), a missing or
-- wrongly typed reference, a missing, impossible or wrongly typed
-- submission time (retention then from occurred_at).

local function dds(id, data, occurred_at)
  data.operator_size = data.operator_size or "large"
  return { type = "dds.submitted", tenant = "verdant", id = id,
           occurred_at = occurred_at or "2027-03-05T10:15:00+01:00", data = data }
end

local REF = "27NLVKE4TQ8812"

return {
  { name = "DDS with reference and submission time: kept 5 years from submitted_at",
    event = dds("dds-ok", { dds_reference = REF, submitted_at = "2027-03-04T17:20:00+01:00" }),
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2032-03-04" } },

  { name = "submitted on a leap day: 2028-02-29 + 5 years = 2033-02-28",
    event = dds("dds-leap", { dds_reference = REF, submitted_at = "2028-02-29T09:00:00+01:00" },
      "2028-03-01T08:00:00+01:00"),
    expect = { flag = "green", findings = {}, retention_until = "2033-02-28" } },

  { name = "submitted_at's date in Brussels: 23:30 at -05:00 on 31 Dec 2027 is 1 Jan 2028 05:30 there",
    event = dds("dds-offset", { dds_reference = REF, submitted_at = "2027-12-31T23:30:00-05:00" },
      "2028-01-01T06:00:00+01:00"),
    expect = { flag = "green", findings = {}, retention_until = "2033-01-01" } },

  { name = "a date-only submitted_at is that day in every zone",
    event = dds("dds-date-only", { dds_reference = REF, submitted_at = "2027-12-31" },
      "2028-01-01T06:00:00+01:00"),
    expect = { retention_until = "2032-12-31" } },

  { name = "no dds_reference: major",
    event = dds("dds-no-ref", { submitted_at = "2027-03-04T17:20:00+01:00" }),
    expect = { flag = "yellow", findings = { "eu-eudr/dds-reference" }, score = 90,
               retention_until = "2032-03-04", messages = { "no dds_reference recorded" } } },

  { name = "dds_reference a number: major, no rule error",
    event = dds("dds-ref-number", { dds_reference = 2788120, submitted_at = "2027-03-04T17:20:00+01:00" }),
    expect = { flag = "yellow", findings = { "eu-eudr/dds-reference" }, score = 90,
               messages = { "dds_reference is a number" } } },

  { name = "no submitted_at: major, retention from occurred_at",
    event = dds("dds-no-time", { dds_reference = REF }),
    expect = { flag = "yellow", findings = { "eu-eudr/dds-submitted-at" }, score = 90,
               retention_until = "2032-03-05", messages = { REF, "no submitted_at recorded" } } },

  { name = "submitted_at on 30 February: major, retention from occurred_at",
    event = dds("dds-bad-time", { dds_reference = REF, submitted_at = "2027-02-30T10:00:00+01:00" }),
    expect = { flag = "yellow", findings = { "eu-eudr/dds-submitted-at" }, score = 90,
               retention_until = "2032-03-05", messages = { "is not a valid timestamp" } } },

  { name = "submitted_at a number (epoch seconds): major",
    event = dds("dds-epoch", { dds_reference = REF, submitted_at = 1804171200 }),
    expect = { flag = "yellow", findings = { "eu-eudr/dds-submitted-at" }, score = 90,
               messages = { "submitted_at is a number" } } },

  { name = "neither reference nor time: two majors",
    event = dds("dds-empty", { dds_reference = "" }),
    expect = { flag = "yellow", score = 80, retention_until = "2032-03-05",
               findings = { "eu-eudr/dds-reference", "eu-eudr/dds-submitted-at" } } },
}
