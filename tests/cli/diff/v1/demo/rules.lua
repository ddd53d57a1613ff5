-- tests/cli/diff/v1/demo/rules.lua — rules of the "before" pack.
rule {
  id = "demo/over-limit", on = "t.a", severity = "critical", cite = "DEMO 1",
  check = function(e, ctx)
    local amount = e.data.amount or 0
    if amount > ctx.params.limit then
      return ("amount %d is over the limit of %d"):format(amount, ctx.params.limit)
    end
  end,
}

rule {
  id = "demo/note", on = "t.a", severity = "info", cite = "DEMO 2",
  check = function(e)
    local found = {}
    for _, note in ipairs(e.data.notes or {}) do
      found[#found + 1] = "note: " .. note
    end
    return found
  end,
}

rule {
  id = "demo/old", on = "t.a", severity = "minor", cite = "DEMO 3",
  check = function(e)
    if e.data.old then return "an old-style record" end
  end,
}
