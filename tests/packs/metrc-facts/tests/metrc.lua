-- What Metrc answers each fixture's rules: its `metrc` field.
local function transfer(data)
  data.license = data.license or "OR-LIC-1"
  data.package_label = data.package_label or "1A4000000000000000000001"
  return { type = "package.transferred", occurred_at = "2026-03-02T10:00:00Z", data = data }
end
local PKG = "1A4000000000000000000001"

return {
  {
    name = "package found, tag available, receiver known",
    event = transfer({ quantity = 5, new_tag = "1A4000000000000000000T01", to_license = "OR-LIC-2" }),
    metrc = {
      packages = { [PKG] = { Quantity = 10, UnitOfMeasure = "Grams" } },
      tags = { "1A4000000000000000000T01", "1A4000000000000000000T02" },
      facilities = { ["OR-LIC-2"] = { Name = "Receiving farm" } },
    },
    expect = { flag = "green", findings = {}, unavailable = {} },
  },
  {
    name = "package not in Metrc",
    event = transfer({}),
    metrc = { packages = { [PKG] = false } },
    expect = { flag = "red", findings = { { rule = "metrc-facts/package-known",
      message = "^package 1A4000000000000000000001 is not in Metrc under OR%-LIC%-1$" } } },
  },
  {
    name = "more moved than the package holds",
    event = transfer({ quantity = 12 }),
    metrc = { packages = { [PKG] = { Quantity = 10 } } },
    expect = { flag = "yellow", findings = { { rule = "metrc-facts/package-known",
      severity = "major", details = { held = 10, moved = 12 } } } },
  },
  {
    name = "Metrc unavailable: yellow, the fact listed, nothing found",
    event = transfer({}),
    metrc = { unavailable = "Metrc did not answer (HTTP 503)" },
    expect = { flag = "yellow", findings = {},
               unavailable = { "metrc.package(OR-LIC-1, 1A4000000000000000000001)" } },
  },
  {
    name = "tag taken, receiver unknown",
    event = transfer({ new_tag = "1A4000000000000000000T09", to_license = "OR-LIC-9" }),
    metrc = { packages = { [PKG] = {} }, tags = { "1A4000000000000000000T01" }, facilities = {} },
    expect = { flag = "yellow", findings = { "metrc-facts/tag-available", "metrc-facts/receiver" } },
  },
  {
    name = "a decision's recorded answers, pasted",
    event = transfer({}),
    metrc = { answers = {
      { license = "OR-LIC-1", path = "/packages/v2/1A4000000000000000000001?licenseNumber=OR-LIC-1",
        status = 404 },
    } },
    expect = { flag = "red", findings = { "metrc-facts/package-known" } },
  },
}
