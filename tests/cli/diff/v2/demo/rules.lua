-- tests/cli/diff/v2/demo/rules.lua — rules of the "after" pack.
rule {
  id = "demo/over-limit", on = "t.a", severity = "critical", cite = "DEMO 1",
  check = function(e, ctx)
    local amount = e.data.amount or 0
    if amount > ctx.params.limit then
      ctx.obligation { action = "report the amount to the regulator", due = ctx.as_of_date }
      ctx.retain_until("2031-12-31")
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
  id = "demo/documents", on = "t.a", severity = "major", cite = "DEMO 4",
  check = function(e)
    local found = {}
    for _, doc in ipairs(e.data.missing or {}) do
      found[#found + 1] = "document missing: " .. doc
    end
    return found
  end,
}

rule {
  id = "demo/strict", on = "t.a", severity = "major", cite = "DEMO 5",
  check = function(e)
    if e.data.boom then error("cannot read the record") end
  end,
}
