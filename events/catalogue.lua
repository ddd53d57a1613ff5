-- events/catalogue.lua — the event catalogue: the contract between packs
-- and the systems that send events. One declaration per event type: its
-- `data` fields, their kinds, which are required, and what they mean.
--
-- Embedded in the edict binary at build. `edict events` shows it,
-- `edict events TYPE --json-schema` prints a JSON Schema for integrators,
-- docs/EVENTS.md is generated from it (tests/cli/test_events.sh compares),
-- and `edict eval` / `edict serve` check every event's `data` against its
-- type before any rule runs. The check and the packs divide the work so
-- that no compliance finding is lost (docs/EVENTS.md "What is checked"):
--
--   * the check refuses what is not an instance of the type at all: `data`
--     that is not an object, a required field missing or null, a field
--     declared as an object or a list holding a scalar, a field declared
--     as a value (text, number, date ...) holding an object or a list;
--   * the packs judge values: text where a number belongs, a date that does
--     not parse, an unknown enumerated value are read leniently or named
--     in a finding ("cannot be checked"), as RULES.md "Readings we chose"
--     says, because an unreadable record is itself what the law is about.
--
-- Extend freely; never break: a new field or type is a minor change, a
-- field made required or a kind narrowed is a new catalogue version.
--
-- Kinds:
--   text       a JSON string
--   id         text or a whole number (an identifier)
--   number     a JSON number (packs also read a number written as text)
--   boolean    true or false
--   date       YYYY-MM-DD; an RFC 3339 timestamp stands for its local date
--   timestamp  an RFC 3339 timestamp with an offset (some packs accept a
--              bare date where only the day counts; their READMEs say so)
--   month      YYYY-MM
--   enum       text, one of `values` (case, blanks and hyphens ignored)
--   object     a JSON object with `fields`
--   list       a JSON array of `items` (one object stands for a list of one)
--   person     a name (text), or an object { name, employee_id }
--   any        anything
--
-- A field: { name, kind, doc, values = {...} (enum),
-- fields = {...} (object), items = field-without-name (list) }.
-- A type: { type, summary, jurisdictions, fields, closed = true (only the
-- declared fields are allowed; none is closed today) }.

local photo = {
  { "sha256", "text", "SHA-256 of the photo, hex" },
  { "uri", "text", "where the photo is kept" },
}

return {
  version = 1,
  types = {
    {
      type = "waste.recorded",
      summary = "cannabis waste recorded (weighed, held, rendered unusable, destroyed)",
      jurisdictions = { "US-OR", "US-MD", "US-CA" },
      fields = {
        { "waste_id", "id", "the waste record's id" },
        { "weight_g", "number", "weight in grams" },
        { "waste_type", "enum", "what the waste is", values = { "plant", "post_harvest", "product" } },
        { "whole_plant_height_in", "number", "height of a whole plant wasted, in inches" },
        { "method", "text", "how it was rendered unusable (e.g. compost, grind and mix)" },
        { "reason", "text", "why it was wasted" },
        { "held_since", "timestamp", "when the hold before destruction began" },
        { "destroyed_at", "timestamp", "when it was destroyed" },
        { "camera_covered", "boolean", "the hold area was under camera coverage" },
        { "witness", "person", "who witnessed the destruction: a name, or { name, employee_id }" },
        { "photos", "list", "photos of the waste", items = { "object", fields = photo } },
        { "recorded_by", "person", "the employee who recorded (or destroyed) it" },
        { "metrc_reported_at", "timestamp", "when it was recorded in Metrc" },
        { "license", "text", "the facility's Metrc licence number (US-OR: its Metrc waste entry is made from the record)" },
      },
    },
    {
      type = "plant.measured",
      summary = "a plant measured (height, flowering) for the tagging rules",
      jurisdictions = { "US-OR" },
      fields = {
        { "plant_id", "id", "the plant" },
        { "batch_id", "id", "its plant batch" },
        { "height_in", "number", "height in inches" },
        { "width_in", "number", "width in inches" },
        { "flowering", "boolean", "the plant is flowering" },
        { "phase", "text", "growth phase (vegetative, flowering, ...)" },
        { "tag", "text", "the plant's individual tag (UID)" },
        { "batch_tag", "text", "the plant batch's tag" },
      },
    },
    {
      type = "plant.phase_changed",
      summary = "a plant moved to another growth phase",
      jurisdictions = { "US-MD", "US-OR", "US-CA" },
      fields = {
        { "plant_id", "id", "the plant" },
        { "phase", "enum", "the new phase", values = { "vegetative", "flowering" } },
        { "tag", "text", "the plant's individual tag (UID)" },
        { "batch_tag", "text", "the plant batch's (lot's) tag" },
        { "batch_id", "id", "its plant batch" },
        { "height_in", "number", "height in inches" },
        { "flowering", "boolean", "the plant is flowering" },
      },
    },
    {
      type = "inventory.moved",
      summary = "a package moved between licences or locations",
      jurisdictions = { "US-CA", "US-OR", "US-MD" },
      fields = {
        { "package_id", "id", "the package (its Metrc tag)" },
        { "quantity", "number", "how much moved" },
        { "from", "id", "where it moved from" },
        { "to", "id", "where it moved to" },
        { "metrc_reported_at", "timestamp", "when the move was recorded in Metrc" },
        { "from_license", "id", "licence number of the sender (US-MD)" },
        { "to_license", "id", "licence number of the receiver (US-MD)" },
        { "manifest_id", "id", "the Metrc manifest number (US-MD)" },
        { "license_type", "text", "the receiver's licence type, e.g. micro_dispensary (US-MD)" },
      },
    },
    {
      type = "period.closed",
      summary = "a reporting period closed",
      jurisdictions = { "US-OR" },
      fields = {
        { "period", "month", "the month closed" },
        { "report_submitted_at", "timestamp", "when the period's report was submitted" },
      },
    },
    {
      type = "dds.submitted",
      summary = "an EUDR due-diligence statement submitted",
      jurisdictions = { "EU" },
      fields = {
        { "dds_reference", "id", "the statement's reference number" },
        { "submitted_at", "timestamp", "when it was submitted (a date is read as that day)" },
        { "operator_size", "enum", "the operator's size (picks the application date)",
          values = { "large", "medium", "small", "micro" } },
      },
    },
    {
      type = "evidence.stored",
      summary = "a piece of evidence stored, with its digest",
      jurisdictions = { "EU", "any" },
      fields = {
        { "evidence_id", "id", "the evidence's id" },
        { "evidence_type", "text", "what it is (photo, manifest, ...)" },
        { "sha512", "text", "SHA-512 of the bytes, 128 hex digits" },
        { "size_bytes", "number", "size in bytes" },
        { "bytes_b64", "text", "the bytes themselves, base64 (optional)" },
      },
    },
    {
      type = "batch.verify",
      summary = "an EUDR batch's chain of custody, to verify",
      jurisdictions = { "EU" },
      fields = {
        { "batch_id", "id", "the batch" },
        { "operator_size", "enum", "the operator's size",
          values = { "large", "medium", "small", "micro" } },
        { "origin_plots", "list", "the plots of production", items = { "object", fields = {
          { "plot_id", "id", "the plot's id in the plot registry" },
          { "geolocation", "object", "GeoJSON-like Point, Polygon or MultiPolygon", fields = {
            { "type", "text", "Point, Polygon or MultiPolygon" },
            { "coordinates", "list", "positions, rings or polygons", items = { "any" } },
          } },
          { "area_ha", "number", "the plot's area in hectares" },
          { "deforestation_verified", "boolean", "the deforestation status was checked" },
          { "deforested_at", "date", "when forest loss was detected, if any" },
          { "commodity", "text", "e.g. cocoa, cattle" },
        } } },
        { "transfers", "list", "the custody transfers", items = { "object", fields = {
          { "transfer_id", "id", "the transfer" },
          { "from", "id", "the party it left (the plot for the first mile)" },
          { "to", "id", "the party it reached" },
          { "date", "date", "when" },
          { "documents", "list", "transport documents", items = { "any" } },
        } } },
        { "transformations", "list", "processing steps", items = { "object", fields = {
          { "id", "id", "the step" },
          { "inputs", "list", "batches that went in", items = { "any" } },
          { "outputs", "list", "batches that came out", items = { "any" } },
          { "input_kg", "number", "mass in" },
          { "output_kg", "number", "mass out" },
          { "yield_ratio", "number", "expected output / input" },
        } } },
      },
    },
    {
      type = "ctls.monthly_report",
      summary = "a Canadian licence's monthly CTLS inventory report (a placeholder pack decides it)",
      jurisdictions = { "CA" },
      fields = {
        { "licence", "id", "the licence reporting" },
        { "month", "month", "the month reported" },
        { "categories", "list", "the inventory categories", items = { "object", fields = {
          { "category", "text", "the category (dried cannabis, plants, ...)" },
          { "unit", "text", "kg, or count for plants" },
          { "opening", "number", "the month's opening quantity" },
          { "previous_closing", "number", "last month's closing quantity" },
        } } },
      },
    },
    {
      type = "driver.status",
      summary = "a commercial driver's Clearinghouse and medical status",
      jurisdictions = { "US-DOT" },
      fields = {
        { "driver_id", "id", "the driver" },
        { "hired_at", "date", "when hired" },
        { "first_safety_sensitive_at", "timestamp", "first safety-sensitive duty" },
        { "pre_employment_full_query_at", "timestamp", "the pre-employment full query" },
        { "last_limited_query_at", "timestamp", "the last annual limited query" },
        { "limited_query_result", "enum", "what the limited query found",
          values = { "no_info", "info_exists" } },
        { "limited_query_at", "timestamp", "the limited query that found information" },
        { "followup_full_query_at", "timestamp", "the full query that followed it" },
        { "violations", "list", "drug and alcohol program violations", items = { "object", fields = {
          { "id", "id", "the violation" },
          { "determined_at", "date", "when the employer learned of it" },
          { "reported_at", "date", "when it was reported to the Clearinghouse" },
        } } },
        { "medical_cert_expires", "date", "when the medical examiner's certificate expires" },
      },
    },
    {
      type = "employee.compliance",
      summary = "an employee's certificates, drug test and background check",
      jurisdictions = { "any" },
      fields = {
        { "employee_id", "id", "the employee" },
        { "certs", "list", "certificates held", items = { "object", fields = {
          { "kind", "text", "what the certificate is" },
          { "expires", "date", "when it expires" },
        } } },
        { "drug_test", "object", "the latest drug test", fields = {
          { "result", "enum", "its result (49 CFR Part 40)", values = {
            "negative", "positive", "positive_dilute", "negative_dilute", "dilute",
            "adulterated", "substituted", "refusal", "cancelled", "invalid", "pending" } },
          { "date", "date", "when it was taken" },
        } },
        { "background", "object", "the background check", fields = {
          { "status", "enum", "the check's status",
            values = { "clear", "pending", "consider", "adverse", "failed" } },
        } },
      },
    },
  },
}
