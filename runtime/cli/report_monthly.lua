-- report_monthly.lua — the monthly compliance report (`edict report
-- monthly`, cmd_report.c): the month's decisions of one tenant, read from
-- its journal, added up per jurisdiction (by flag, by rule, per day), the
-- obligations they raised with their due dates, the waste decisions, the
-- waivers and the evidence uploaded, and, per licence, the month reconciled
-- with the Metrc data in the store (the outbox's writes, the synced mirror);
-- rendered as JSON, CSV, Markdown or one self-contained HTML page. Host code (a plain Lua state with
-- lua-cjson), never loaded into a rule's sandbox. Embedded into the
-- binary by the Makefile.
local cjson = require "cjson"

local R = {}
local ARRAY = {}
local function array(t) return setmetatable(t or {}, ARRAY) end

local report, by_j, rules_all, as_of
-- Metrc reconciliation: per licence what the month's decisions did
-- (lic[l]), what the store holds (synced[l], the sync runs; outbox[key];
-- mirror[l][label]); unlicensed: decisions naming no licence
local lic, synced, outbox, mirror, unlicensed

function R.begin(tenant, period, today, generated_at)
  as_of = today
  report = {
    tenant = tenant, period = period, as_of = today, generated_at = generated_at,
    totals = { decisions = 0, green = 0, yellow = 0, red = 0 },
    jurisdictions = array(), top_findings = array(), obligations = array(),
    waste = array(), waivers = array(), evidence = array(),
  }
  by_j, rules_all = {}, {}
  lic, synced, outbox, mirror, unlicensed = {}, {}, {}, {}, 0
end

local function str(v) return type(v) == "string" and v or (v == nil and "" or tostring(v)) end

local function jurisdiction(name)
  local j = by_j[name]
  if not j then
    j = { jurisdiction = name, decisions = 0, green = 0, yellow = 0, red = 0,
          rules = {}, days = {} }
    by_j[name] = j
  end
  return j
end

local function licence(name)
  local l = lic[name]
  if not l then
    l = { waste = {}, packages = {}, writes = 0 }
    lic[name] = l
  end
  return l
end

-- the package labels an event's data names: string values (or lists of
-- them) under a key with "package" in it (package_id, package_label,
-- source_packages, ...), at any depth; plant and batch tags are left out
local function package_labels(v, key, out)
  if type(v) == "string" then
    if v ~= "" and key and key:lower():find("package", 1, true) then out[v] = true end
  elseif type(v) == "table" then
    for k, x in pairs(v) do
      package_labels(x, type(k) == "string" and k or key, out)
    end
  end
  return out
end

-- what the month's decision says for Metrc: its licence (the event's
-- data.license, else its writes'), its writes by outbox key, its packages
local function metrc_decision(d, ev)
  local data = type(ev) == "table" and type(ev.data) == "table" and ev.data or {}
  local writes = type(d.metrc_writes) == "table" and d.metrc_writes or {}
  local name = type(data.license) == "string" and data.license ~= "" and data.license
    or (type(writes[1]) == "table" and type(writes[1].license) == "string" and writes[1].license)
  if not name then
    unlicensed = unlicensed + 1
    return
  end
  local l = licence(name)
  local base = { event_id = str(d.event_id), decision_id = str(d.decision_id),
                 occurred_at = str(d.occurred_at), type = str(d.type) }
  if str(d.type):match("^waste%.") then
    local keys = {}
    for n, w in ipairs(writes) do
      keys[#keys + 1] = { key = str(d.decision_id) .. "/metrc/" .. n, path = str(w.path) }
    end
    l.writes = l.writes + #keys
    l.waste[#l.waste + 1] = { base = base, waste_id = str(data.waste_id), keys = keys,
                              reported = data.metrc_reported_at ~= nil,
                              destroyed = type(data.destroyed_at) == "string" }
  end
  for label in pairs(package_labels(data, nil, {})) do
    l.packages[#l.packages + 1] = { base = base, label = label }
  end
end

-- one decision (its journaled bytes) and the event it was made from (its
-- bytes, nil when the entry does not carry it)
function R.decision(text, event)
  local ok, d = pcall(cjson.decode, text)
  if not ok or type(d) ~= "table" then return end
  local eok, ev = pcall(cjson.decode, event or "null")
  metrc_decision(d, eok and ev or nil)
  local flag = str(d.flag)
  local j = jurisdiction(str(d.jurisdiction))
  report.totals.decisions = report.totals.decisions + 1
  j.decisions = j.decisions + 1
  if report.totals[flag] then
    report.totals[flag] = report.totals[flag] + 1
    j[flag] = j[flag] + 1
  end
  local day = str(d.occurred_at):sub(1, 10)
  local dd = j.days[day] or { day = day, green = 0, yellow = 0, red = 0 }
  j.days[day] = dd
  if dd[flag] then dd[flag] = dd[flag] + 1 end
  local messages = array()
  for _, f in ipairs(type(d.findings) == "table" and d.findings or {}) do
    local key = str(f.rule) .. "\0" .. str(f.severity)
    local r = j.rules[key] or { rule = str(f.rule), severity = str(f.severity), count = 0,
                                cite = str(f.cite) }
    j.rules[key] = r
    r.count = r.count + 1
    local a = rules_all[key] or { rule = r.rule, severity = r.severity, count = 0 }
    rules_all[key] = a
    a.count = a.count + 1
    messages[#messages + 1] = str(f.severity) .. ": " .. str(f.message)
  end
  for _, o in ipairs(type(d.obligations) == "table" and d.obligations or {}) do
    local due = str(o.due)
    report.obligations[#report.obligations + 1] = {
      due = due, action = str(o.action), rule = str(o.rule), cite = str(o.cite),
      note = str(o.note), decision_id = str(d.decision_id), event_id = str(d.event_id),
      jurisdiction = str(d.jurisdiction), overdue = due ~= "" and due < as_of,
    }
  end
  for _, w in ipairs(type(d.waivers) == "table" and d.waivers or {}) do
    report.waivers[#report.waivers + 1] = {
      rule = str(type(w) == "table" and (w.rule or w.id) or w),
      reason = str(type(w) == "table" and (w.reason or w.note) or ""),
      decision_id = str(d.decision_id), event_id = str(d.event_id),
    }
  end
  if str(d.type):match("^waste%.") then
    report.waste[#report.waste + 1] = {
      event_id = str(d.event_id), jurisdiction = str(d.jurisdiction),
      occurred_at = str(d.occurred_at), flag = flag, findings = messages,
    }
  end
end

-- the store's Metrc data: each sync run (its log line), each outbox write,
-- and the mirror's packages of the licences R.mirrored() names
function R.sync(text)
  local ok, run = pcall(cjson.decode, text)
  if not ok or type(run) ~= "table" or type(run.license) ~= "string" then return end
  -- a run with errors may have pulled part of the lists: it is counted,
  -- never taken as a sync to reconcile against
  local clean = type(run.errors) ~= "table" or #run.errors == 0
  local s = synced[run.license] or { runs = 0, failed = 0, last = "" }
  synced[run.license] = s
  if not clean then
    s.failed = s.failed + 1
    return
  end
  s.runs = s.runs + 1
  if str(run.finished) > s.last then s.last = str(run.finished) end
end

function R.outbox(key, license, state, message, path)
  outbox[key] = { license = license, state = state, message = message, path = path }
  licence(license).in_outbox = true
end

-- the licences whose packages the month names and that have been synced
function R.mirrored()
  local out = {}
  for name, l in pairs(lic) do
    if synced[name] and synced[name].runs > 0 and #l.packages > 0 then out[#out + 1] = name end
  end
  table.sort(out)
  return out
end

function R.mirror(license, text)
  local ok, o = pcall(cjson.decode, text)
  if not ok or type(o) ~= "table" then return end
  local m = mirror[license] or {}
  mirror[license] = m
  if type(o.Label) == "string" and o.Label ~= "" then m[o.Label] = o end
end

-- one evidence upload (the vault's journal entry)
function R.upload(text)
  local ok, u = pcall(cjson.decode, text)
  if not ok or type(u) ~= "table" then return end
  report.evidence[#report.evidence + 1] = {
    digest = str(u.digest), type = str(u.type), entity = str(u.entity),
    size = math.tointeger(u.size) or 0, at = str(u.at), by = str(u.by),
  }
end

local function by_count(a, b)
  if a.count ~= b.count then return a.count > b.count end
  if a.rule ~= b.rule then return a.rule < b.rule end
  return a.severity < b.severity
end

local function by_occurred(a, b)
  if a.occurred_at ~= b.occurred_at then return a.occurred_at < b.occurred_at end
  return a.event_id < b.event_id
end

-- the reconciliation, per licence (sorted): waste against the outbox,
-- packages against the mirror; what was not reconciled says why
local function reconcile()
  for name in pairs(synced) do licence(name) end
  local names = {}
  for name in pairs(lic) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local l, s = lic[name], synced[name]
    local failed = s and s.failed or 0
    if s and s.runs == 0 then s = nil end
    local r = { license = name, differences = 0, waste = array(), packages = array(),
                synced = s ~= nil, last_sync = s and s.last or "" }
    local connected = s ~= nil or failed > 0 or l.in_outbox or l.writes > 0
    if not connected then
      r.waste_note = "not reconciled: no sync for " .. name .. " and no writes for Metrc"
    end
    for _, w in ipairs(l.waste) do
      local function row(key, state, message, difference, note)
        local x = { event_id = w.base.event_id, decision_id = w.base.decision_id,
                    occurred_at = w.base.occurred_at, waste_id = w.waste_id, key = key,
                    state = state, message = message, difference = difference, note = note }
        r.waste[#r.waste + 1] = x
        if difference then r.differences = r.differences + 1 end
      end
      if #w.keys == 0 then
        if connected then
          row("", "none", "", true, w.reported and "edict asked for no Metrc entry: the "
              .. "record says it was reported to Metrc by hand (metrc_reported_at)"
              or not w.destroyed and "edict asked for no Metrc entry: not destroyed yet"
              or "edict asked for no Metrc entry")
        end
      else
        for _, k in ipairs(w.keys) do
          local o = outbox[k.key]
          if not o then
            row(k.key, "missing", "", true, "asked for, not in the outbox")
          elseif o.state == "sent" then
            row(k.key, "sent", o.message, false, "in Metrc (" .. k.path .. ")")
          elseif o.state == "dead" then
            row(k.key, "dead", o.message, true, "dead letter: Metrc refused it")
          else
            row(k.key, o.state, o.message, true, "not sent to Metrc yet")
          end
        end
      end
    end
    table.sort(r.waste, by_occurred)
    if s then
      local m = mirror[name] or {}
      local seen, labels = {}, {}
      r.packages_checked = 0
      for _, p in ipairs(l.packages) do
        if not labels[p.label] then
          labels[p.label] = true
          r.packages_checked = r.packages_checked + 1
        end
        local k = p.label .. "\0" .. p.base.event_id
        if not m[p.label] and not seen[k] then
          seen[k] = true
          r.packages[#r.packages + 1] = { label = p.label, event_id = p.base.event_id,
            decision_id = p.base.decision_id, occurred_at = p.base.occurred_at,
            type = p.base.type, note = "not in the Metrc mirror (last sync " .. s.last .. ")" }
          r.differences = r.differences + 1
        end
      end
      table.sort(r.packages, function(a, b)
        if a.label ~= b.label then return a.label < b.label end
        return by_occurred(a, b)
      end)
    else
      r.packages_note = "not reconciled: no sync for " .. name
        .. (failed > 0 and (" without errors (%d run%s failed)"):format(failed, failed == 1 and "" or "s") or "")
    end
    report.metrc.licenses[#report.metrc.licenses + 1] = r
  end
  report.metrc.unlicensed = unlicensed
end

local function finish()
  report.metrc = { licenses = array(), unlicensed = 0 }
  reconcile()
  local names = {}
  for name in pairs(by_j) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local j = by_j[name]
    local rules, days = array(), array()
    for _, r in pairs(j.rules) do rules[#rules + 1] = r end
    table.sort(rules, by_count)
    for _, d in pairs(j.days) do days[#days + 1] = d end
    table.sort(days, function(a, b) return a.day < b.day end)
    j.rules, j.days = rules, days
    report.jurisdictions[#report.jurisdictions + 1] = j
  end
  local all = {}
  for _, r in pairs(rules_all) do all[#all + 1] = r end
  table.sort(all, by_count)
  for i = 1, math.min(10, #all) do report.top_findings[i] = all[i] end
  table.sort(report.obligations, function(a, b)
    if a.due ~= b.due then return a.due < b.due end
    return a.decision_id < b.decision_id
  end)
end

-- JSON with sorted keys, lists as lists even when empty ----------------
local function json(v, out)
  local t = type(v)
  if t == "table" then
    if getmetatable(v) == ARRAY or (#v > 0 and next(v, #v) == nil) then
      out[#out + 1] = "["
      for i, x in ipairs(v) do
        if i > 1 then out[#out + 1] = "," end
        json(x, out)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = cjson.encode(k) .. ":"
        json(v[k], out)
      end
      out[#out + 1] = "}"
    end
  elseif t == "number" then
    out[#out + 1] = math.type(v) == "integer" and tostring(v) or string.format("%.17g", v)
  elseif t == "boolean" then
    out[#out + 1] = tostring(v)
  else
    out[#out + 1] = cjson.encode(str(v))
  end
end

-- the reconciliation's sentences, the same in every format --------------
function R.metrc_lines()
  local out = {}
  local m = report.metrc
  if m.unlicensed > 0 then
    out[#out + 1] = ("not reconciled: %d decision%s of the month name%s no licence (data.license)")
      :format(m.unlicensed, m.unlicensed == 1 and "" or "s", m.unlicensed == 1 and "s" or "")
  end
  if #m.licenses == 0 then
    out[#out + 1] = "no licence of this tenant has Metrc data in the store"
  end
  return out
end

function R.license_lines(r)
  local out = {}
  local waste_diff, pack_diff = 0, #r.packages
  for _, x in ipairs(r.waste) do if x.difference then waste_diff = waste_diff + 1 end end
  if r.waste_note then
    out[#out + 1] = r.waste_note
  else
    out[#out + 1] = ("waste: %d decision row%s against the outbox, %d difference%s")
      :format(#r.waste, #r.waste == 1 and "" or "s", waste_diff, waste_diff == 1 and "" or "s")
  end
  if r.packages_note then
    out[#out + 1] = r.packages_note
  else
    out[#out + 1] = ("packages: %d named in the month's events checked against the mirror "
      .. "(last sync %s), %d not in it"):format(r.packages_checked, r.last_sync, pack_diff)
  end
  return out
end

-- Markdown ----------------------------------------------------------------
local function md_cell(s) return (str(s):gsub("|", "\\|"):gsub("\n", " ")) end

local function markdown()
  local o = {}
  local function w(s) o[#o + 1] = s end
  local t = report.totals
  w(("# Compliance report: %s, %s\n\n"):format(report.tenant, report.period))
  w(("%d decisions: %d green, %d yellow, %d red. Obligations as of %s. Generated %s by edict.\n\n")
    :format(t.decisions, t.green, t.yellow, t.red, report.as_of, report.generated_at))
  w("## By jurisdiction\n\n| jurisdiction | decisions | green | yellow | red |\n| --- | ---: | ---: | ---: | ---: |\n")
  for _, j in ipairs(report.jurisdictions) do
    w(("| %s | %d | %d | %d | %d |\n"):format(md_cell(j.jurisdiction), j.decisions, j.green, j.yellow, j.red))
  end
  w("\n## Findings by rule\n\n| jurisdiction | rule | severity | findings |\n| --- | --- | --- | ---: |\n")
  for _, j in ipairs(report.jurisdictions) do
    for _, r in ipairs(j.rules) do
      w(("| %s | %s | %s | %d |\n"):format(md_cell(j.jurisdiction), md_cell(r.rule), r.severity, r.count))
    end
  end
  w("\n## Obligations raised\n\n| due | action | jurisdiction | rule | note |\n| --- | --- | --- | --- | --- |\n")
  for _, b in ipairs(report.obligations) do
    w(("| %s%s | %s | %s | %s | %s |\n"):format(b.due, b.overdue and " (overdue)" or "",
      md_cell(b.action), md_cell(b.jurisdiction), md_cell(b.rule), md_cell(b.note)))
  end
  w("\n## Waste events\n\n| event | jurisdiction | occurred | flag | findings |\n| --- | --- | --- | --- | --- |\n")
  for _, x in ipairs(report.waste) do
    w(("| %s | %s | %s | %s | %s |\n"):format(md_cell(x.event_id), md_cell(x.jurisdiction),
      md_cell(x.occurred_at), x.flag, md_cell(table.concat(x.findings, "; "))))
  end
  w("\n## Waivers\n\n| rule | reason | decision |\n| --- | --- | --- |\n")
  for _, x in ipairs(report.waivers) do
    w(("| %s | %s | %s |\n"):format(md_cell(x.rule), md_cell(x.reason), md_cell(x.decision_id)))
  end
  w("\n## Metrc reconciliation\n\n")
  for _, line in ipairs(R.metrc_lines()) do w(line .. "\n\n") end
  for _, r in ipairs(report.metrc.licenses) do
    w(("### %s\n\n"):format(md_cell(r.license)))
    for _, line in ipairs(R.license_lines(r)) do w(line .. "\n\n") end
    if #r.waste > 0 then
      w("| waste | event | occurred | outbox key | state | Metrc's message | difference |\n| --- | --- | --- | --- | --- | --- | --- |\n")
      for _, x in ipairs(r.waste) do
        w(("| %s | %s | %s | %s | %s | %s | %s |\n"):format(md_cell(x.waste_id), md_cell(x.event_id),
          md_cell(x.occurred_at), md_cell(x.key), x.state, md_cell(x.message),
          x.difference and md_cell(x.note) or ""))
      end
      w("\n")
    end
    if #r.packages > 0 then
      w("| package | event | type | occurred | difference |\n| --- | --- | --- | --- | --- |\n")
      for _, x in ipairs(r.packages) do
        w(("| %s | %s | %s | %s | %s |\n"):format(md_cell(x.label), md_cell(x.event_id),
          md_cell(x.type), md_cell(x.occurred_at), md_cell(x.note)))
      end
      w("\n")
    end
  end
  w("## Evidence uploaded\n\n| type | entity | bytes | at | SHA-512 |\n| --- | --- | ---: | --- | --- |\n")
  for _, x in ipairs(report.evidence) do
    w(("| %s | %s | %d | %s | %s… |\n"):format(md_cell(x.type), md_cell(x.entity), x.size, x.at,
      x.digest:sub(1, 16)))
  end
  return table.concat(o)
end

-- CSV: the findings by rule, one row each --------------------------------
local function csv_cell(s)
  s = str(s)
  if s:find('[,"\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

local function csv()
  local o = { "jurisdiction,rule,severity,findings\n" }
  for _, j in ipairs(report.jurisdictions) do
    for _, r in ipairs(j.rules) do
      o[#o + 1] = ("%s,%s,%s,%d\n"):format(csv_cell(j.jurisdiction), csv_cell(r.rule),
        csv_cell(r.severity), r.count)
    end
  end
  -- then, after an empty line, the Metrc reconciliation: a row per waste
  -- decision, per package not in the mirror, and per note
  o[#o + 1] = "\nlicense,check,subject,event_id,decision_id,state,difference,note\n"
  local function row(...)
    local t = table.pack(...)
    for i = 1, t.n do t[i] = csv_cell(t[i]) end
    o[#o + 1] = table.concat(t, ",", 1, t.n) .. "\n"
  end
  for _, line in ipairs(R.metrc_lines()) do row("", "note", "", "", "", "", "", line) end
  for _, r in ipairs(report.metrc.licenses) do
    for _, line in ipairs(R.license_lines(r)) do row(r.license, "note", "", "", "", "", "", line) end
    for _, x in ipairs(r.waste) do
      row(r.license, "waste", x.waste_id, x.event_id, x.decision_id, x.state,
          x.difference and "yes" or "no",
          x.difference and x.message ~= "" and x.note .. ": " .. x.message
          or x.difference and x.note or x.message)
    end
    for _, x in ipairs(r.packages) do
      row(r.license, "package", x.label, x.event_id, x.decision_id, "absent", "yes", x.note)
    end
  end
  return table.concat(o)
end

-- HTML: one page, no outside resources -----------------------------------
local function h(s)
  return (str(s):gsub("[&<>\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" }))
end

local function html()
  local o = {}
  local function w(s) o[#o + 1] = s end
  local t = report.totals
  w("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
  w(("<title>Compliance report: %s, %s</title>\n"):format(h(report.tenant), h(report.period)))
  w([[<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
td.n{text-align:right}.bar{display:inline-block;height:.9em;vertical-align:middle}
.green{background:#3a3}.yellow{background:#db3}.red{background:#c33}.find{background:#57a}
.overdue{color:#c33;font-weight:bold}@media print{body{margin:0}}
</style></head><body>
]])
  w(("<h1>Compliance report: %s, %s</h1>\n"):format(h(report.tenant), h(report.period)))
  w(("<p>%d decisions: %d green, %d yellow, %d red. Obligations as of %s. Generated %s by edict.</p>\n")
    :format(t.decisions, t.green, t.yellow, t.red, h(report.as_of), h(report.generated_at)))
  w("<h2>By jurisdiction</h2>\n<table><tr><th>jurisdiction</th><th>decisions</th><th>green</th><th>yellow</th><th>red</th></tr>\n")
  for _, j in ipairs(report.jurisdictions) do
    w(("<tr><td>%s</td><td class=n>%d</td><td class=n>%d</td><td class=n>%d</td><td class=n>%d</td></tr>\n")
      :format(h(j.jurisdiction), j.decisions, j.green, j.yellow, j.red))
  end
  w("</table>\n")
  -- flags per day, every jurisdiction together
  local days, order = {}, {}
  for _, j in ipairs(report.jurisdictions) do
    for _, d in ipairs(j.days) do
      local x = days[d.day]
      if not x then x = { green = 0, yellow = 0, red = 0 }; days[d.day] = x; order[#order + 1] = d.day end
      x.green, x.yellow, x.red = x.green + d.green, x.yellow + d.yellow, x.red + d.red
    end
  end
  table.sort(order)
  local most = 1
  for _, day in ipairs(order) do
    local x = days[day]
    most = math.max(most, x.green + x.yellow + x.red)
  end
  w("<h2>Flags per day</h2>\n<table><tr><th>day</th><th>green / yellow / red</th><th>decisions</th></tr>\n")
  for _, day in ipairs(order) do
    local x = days[day]
    local function bar(cls, n)
      return n > 0 and ("<span class=\"bar %s\" style=\"width:%.1fem\" title=\"%d %s\"></span>")
        :format(cls, 30 * n / most, n, cls) or ""
    end
    w(("<tr><td>%s</td><td>%s%s%s</td><td class=n>%d</td></tr>\n"):format(h(day),
      bar("green", x.green), bar("yellow", x.yellow), bar("red", x.red), x.green + x.yellow + x.red))
  end
  w("</table>\n<h2>Top findings</h2>\n<table><tr><th>rule</th><th>severity</th><th>findings</th></tr>\n")
  local top = report.top_findings[1] and report.top_findings[1].count or 1
  for _, r in ipairs(report.top_findings) do
    w(("<tr><td>%s</td><td>%s</td><td><span class=\"bar find\" style=\"width:%.1fem\"></span> %d</td></tr>\n")
      :format(h(r.rule), h(r.severity), 20 * r.count / top, r.count))
  end
  w("</table>\n<h2>Findings by rule</h2>\n<table><tr><th>jurisdiction</th><th>rule</th><th>severity</th><th>findings</th><th>cite</th></tr>\n")
  for _, j in ipairs(report.jurisdictions) do
    for _, r in ipairs(j.rules) do
      w(("<tr><td>%s</td><td>%s</td><td>%s</td><td class=n>%d</td><td>%s</td></tr>\n")
        :format(h(j.jurisdiction), h(r.rule), h(r.severity), r.count, h(r.cite)))
    end
  end
  w("</table>\n<h2>Obligations raised</h2>\n<table><tr><th>due</th><th>action</th><th>jurisdiction</th><th>rule</th><th>note</th></tr>\n")
  for _, b in ipairs(report.obligations) do
    w(("<tr><td%s>%s%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n")
      :format(b.overdue and " class=overdue" or "", h(b.due), b.overdue and " (overdue)" or "",
        h(b.action), h(b.jurisdiction), h(b.rule), h(b.note)))
  end
  w("</table>\n<h2>Waste events</h2>\n<table><tr><th>event</th><th>jurisdiction</th><th>occurred</th><th>flag</th><th>findings</th></tr>\n")
  for _, x in ipairs(report.waste) do
    w(("<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%s</td><td>%s</td></tr>\n")
      :format(h(x.event_id), h(x.jurisdiction), h(x.occurred_at), h(x.flag), h(x.flag),
        h(table.concat(x.findings, "; "))))
  end
  w("</table>\n<h2>Waivers</h2>\n<table><tr><th>rule</th><th>reason</th><th>decision</th></tr>\n")
  for _, x in ipairs(report.waivers) do
    w(("<tr><td>%s</td><td>%s</td><td>%s</td></tr>\n"):format(h(x.rule), h(x.reason), h(x.decision_id)))
  end
  w("</table>\n<h2>Metrc reconciliation</h2>\n")
  for _, line in ipairs(R.metrc_lines()) do w("<p>" .. h(line) .. "</p>\n") end
  for _, r in ipairs(report.metrc.licenses) do
    w(("<h3>%s</h3>\n"):format(h(r.license)))
    for _, line in ipairs(R.license_lines(r)) do
      w(("<p%s>%s</p>\n"):format(line:match("^not reconciled") and " class=overdue" or "", h(line)))
    end
    if #r.waste > 0 then
      w("<table><tr><th>waste</th><th>event</th><th>occurred</th><th>outbox key</th><th>state</th><th>Metrc's message</th><th>difference</th></tr>\n")
      for _, x in ipairs(r.waste) do
        w(("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td%s>%s</td></tr>\n")
          :format(h(x.waste_id), h(x.event_id), h(x.occurred_at), h(x.key), h(x.state), h(x.message),
            x.difference and " class=overdue" or "", x.difference and h(x.note) or ""))
      end
      w("</table>\n")
    end
    if #r.packages > 0 then
      w("<table><tr><th>package</th><th>event</th><th>type</th><th>occurred</th><th>difference</th></tr>\n")
      for _, x in ipairs(r.packages) do
        w(("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=overdue>%s</td></tr>\n")
          :format(h(x.label), h(x.event_id), h(x.type), h(x.occurred_at), h(x.note)))
      end
      w("</table>\n")
    end
  end
  w("<h2>Evidence uploaded</h2>\n<table><tr><th>type</th><th>entity</th><th>bytes</th><th>at</th><th>SHA-512</th></tr>\n")
  for _, x in ipairs(report.evidence) do
    w(("<tr><td>%s</td><td>%s</td><td class=n>%d</td><td>%s</td><td>%s…</td></tr>\n")
      :format(h(x.type), h(x.entity), x.size, h(x.at), h(x.digest:sub(1, 16))))
  end
  w("</table>\n</body></html>\n")
  return table.concat(o)
end

function R.render(format)
  finish()
  if format == "json" then
    local out = {}
    json(report, out)
    out[#out + 1] = "\n"
    return table.concat(out)
  elseif format == "csv" then
    return csv()
  elseif format == "md" then
    return markdown()
  end
  return html()
end

return R
