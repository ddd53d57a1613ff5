# test_rules.sh — what rules return and do, through small custom packs:
# messages, finding tables, lists, errors with file:line, bad return values,
# obligations, retention, params and the read-only event.
. tests/cli/lib.sh

P=$TMP/packs
mkpack "$P/rp" rp 1 US-XX 2020-01-01 "" 'params = { limit = 10, label = "base", nested = { depth = 1 } },'
# Every rule acts only when data.<its name> is set, so each event picks the
# rules it exercises. Line numbers matter: tests below name them.
write "$P/rp/rules.lua" <<'EOF'
rule { id = "rp/str", on = "t.a", severity = "major", cite = "RP-STR",
  check = function(e, ctx) if e.data.str then return "plain " .. e.data.str end end }
rule { id = "rp/tbl", on = "t.a", severity = "minor", cite = "RP-TBL",
  check = function(e, ctx)
    if e.data.tbl then
      return { message = "table finding", severity = "critical",
               evidence_required = { "witness", "photo" },
               details = { weight_g = 1200, ok = false, where = { room = "B/2" }, tags = { "x", "y" } } }
    end
  end }
rule { id = "rp/list", on = "t.a", severity = "minor", cite = "RP-LIST",
  check = function(e, ctx)
    if e.data.list then
      return { "first as text", { message = "second as table", severity = "info" }, { message = "third" } }
    end
  end }
rule { id = "rp/raise", on = "t.a", severity = "critical", cite = "RP-RAISE",
  check = function(e, ctx)
    if e.data.raise then
      ctx.obligation { action = "never_seen", due = "2030-01-01" }
      ctx.retain_until("2099-12-31")
      error("raised on purpose")
    end
  end }
rule { id = "rp/num", on = "t.a", severity = "critical", cite = "RP-NUM",
  check = function(e, ctx) if e.data.num then return 42 end end }
rule { id = "rp/unknown", on = "t.a", severity = "critical", cite = "RP-UNK",
  check = function(e, ctx) if e.data.unknown then return { message = "m", colour = "red" } end end }
rule { id = "rp/fn", on = "t.a", severity = "critical", cite = "RP-FN",
  check = function(e, ctx) if e.data.fn then return { message = "m", details = { f = print } } end end }
rule { id = "rp/half", on = "t.a", severity = "critical", cite = "RP-HALF",
  check = function(e, ctx)
    if e.data.half then
      ctx.obligation { action = "never_seen_either", due = "2030-01-01" }
      ctx.retain_until("2098-01-01")
      return { { message = "a good critical finding" }, { message = "then a bad one", colour = 1 } }
    end
  end }
rule { id = "rp/obl", on = "t.a", severity = "info", cite = "RP-OBL",
  check = function(e, ctx)
    if e.data.obl then
      ctx.obligation { action = "submit_report", due = "2024-07-15", cite = "OAR 1" }
      ctx.obligation { action = "notify", due = "2024-06-02T09:00:00-07:00", note = "by phone" }
      ctx.retain_until("2031-06-01")
      ctx.retain_until("2030-01-01")
    end
  end }
rule { id = "rp/ret", on = "t.a", severity = "info", cite = "RP-RET",
  check = function(e, ctx) if e.data.ret then ctx.retain_until(e.data.ret) end end }
rule { id = "rp/params", on = "t.a", severity = "info", cite = "RP-PAR",
  check = function(e, ctx)
    if e.data.params then
      return ("limit=%d label=%s depth=%d tenant=%s"):format(ctx.params.limit, ctx.params.label,
        ctx.params.nested.depth, ctx.tenant)
    end
  end }
rule { id = "rp/write", on = "t.a", severity = "info", cite = "RP-W",
  check = function(e, ctx)
    local w = e.data.write
    if w == "data" then e.data.x = 1
    elseif w == "top" then e.id = "forged"
    elseif w == "nested" then e.data.inner.y = 2
    elseif w == "list" then e.data.items[1] = 0
    elseif w == "params" then ctx.params.limit = 0
    elseif w == "ctx" then ctx.tenant = "someone-else"
    elseif w == "global" then leaked = true
    end
  end }
rule { id = "rp/last", on = "t.a", severity = "minor", cite = "RP-LAST",
  check = function(e, ctx) if e.data.last then return "the last rule ran" end end }
EOF
E="$EDICT eval --packs $P"
RF=packs/rp/rules.lua   # how the rule file is named in errors

ev() { event "$@" >"$TMP/ev"; run $E "$TMP/ev"; }

# --- what check returns ----------------------------------------------------
ev s1 '{"str":"A-1"}'
has "string: finding with the rule's severity and cite" "$OUT" \
    '"findings":[{"rule":"rp/str","severity":"major","message":"plain A-1","cite":"RP-STR"}]'
is "string: flag and score" "$(jv "$OUT" 'D[1].flag .. " " .. D[1].score')" "yellow 90"

ev t1 '{"tbl":true}'
has "table: severity overrides the rule's, evidence and details follow" "$OUT" \
    '"findings":[{"rule":"rp/tbl","severity":"critical","message":"table finding","cite":"RP-TBL","evidence_required":["witness","photo"],"details":{"ok":false,"tags":["x","y"],"weight_g":1200,"where":{"room":"B/2"}}}]'
is "table: critical override makes it red" "$(jv "$OUT" 'D[1].flag .. " " .. D[1].score')" "red 75"

ev l1 '{"list":true}'
is "list: three findings, in order" "$(jv "$OUT" 'join(pluck(D[1].findings, "message"), "|")')" \
    "first as text|second as table|third"
is "list: severities (own, override, rule default)" "$(jv "$OUT" 'join(pluck(D[1].findings, "severity"))')" "minor,info,minor"
is "list: score counts each" "$(jv "$OUT" 'D[1].flag .. " " .. D[1].score')" "yellow 90"

# --- a rule that raises --------------------------------------------------------
ev r1 '{"raise":true,"str":"B","last":true}'
is "raise: one error entry, fields in order" "$(jv "$OUT" 'join(keys(L[1]:match([["errors":%[(%b{})]])))')" "rule,where,message"
is "raise: rule id, where = file:line of the error, message" \
    "$(jv "$OUT" 'D[1].errors[1].rule .. " " .. D[1].errors[1].where .. " " .. D[1].errors[1].message')" \
    "rp/raise $RF:22 raised on purpose"
is "raise: the other rules still ran (before and after)" "$(jv "$OUT" 'join(pluck(D[1].findings, "rule"))')" "rp/str,rp/last"
is "raise: no finding of its own, flag yellow" "$(jv "$OUT" 'D[1].flag .. " " .. D[1].score')" "yellow 85"
is "raise: its obligation is dropped" "$(jv "$OUT" '#D[1].obligations')" 0
is "raise: its retention is dropped" "$(jv "$OUT" 'D[1].retention_until')" null
ev r2 '{"raise":true}'
is "raise alone: at least yellow" "$(jv "$OUT" 'D[1].flag .. " " .. D[1].score .. " " .. #D[1].findings')" "yellow 100 0"

# --- bad return values: an error entry, nothing else of the rule ---------------------
ev b1 '{"num":true,"last":true}'
is "number: error at the rule's definition" "$(jv "$OUT" 'D[1].errors[1].rule .. " " .. D[1].errors[1].where')" "rp/num $RF:25"
is "number: message" "$(jv "$OUT" 'D[1].errors[1].message')" \
    "check returned a number; expected nothing, a message, a finding table or a list of them"
is "number: no finding from it, others kept" "$(jv "$OUT" 'join(pluck(D[1].findings, "rule")) .. " " .. D[1].flag')" "rp/last yellow"
ev b2 '{"unknown":true}'
is "unknown field: error entry" "$(jv "$OUT" 'D[1].errors[1].rule .. ": " .. D[1].errors[1].message')" \
    "rp/unknown: a finding has an unknown field 'colour' (expected message, severity, evidence_required, details)"
is "unknown field: no finding, not red" "$(jv "$OUT" '#D[1].findings .. " " .. D[1].flag .. " " .. D[1].score')" "0 yellow 100"
ev b3 '{"fn":true}'
is "details with a function: error entry" "$(jv "$OUT" 'D[1].errors[1].rule .. ": " .. D[1].errors[1].message')" \
    "rp/fn: a finding's details cannot be encoded: .f: a function cannot be encoded as JSON"
is "details with a function: no partial finding" "$(jv "$OUT" '#D[1].findings .. " " .. D[1].flag')" "0 yellow"
lacks "details with a function: nothing half-written" "$OUT" '"rule":"rp/fn","severity"'
ev b4 '{"half":true,"obl":true}'
is "list with a bad element: no finding at all from the rule" "$(jv "$OUT" '#D[1].findings .. " " .. D[1].flag .. " " .. D[1].score')" "0 yellow 100"
is "list with a bad element: its obligation dropped, others kept" "$(jv "$OUT" 'join(pluck(D[1].obligations, "action"))')" "submit_report,notify"
is "list with a bad element: its retention dropped" "$(jv "$OUT" 'D[1].retention_until')" "2031-06-01"
is "list with a bad element: one error" "$(jv "$OUT" '#D[1].errors .. " " .. D[1].errors[1].rule')" "1 rp/half"

# --- obligations and retention -------------------------------------------------------
ev o1 '{"obl":true}'
has "obligation: action, due, cite, rule (and note) in order" "$OUT" \
    '"obligations":[{"action":"submit_report","due":"2024-07-15","cite":"OAR 1","rule":"rp/obl"},{"action":"notify","due":"2024-06-02T09:00:00-07:00","cite":"RP-OBL","rule":"rp/obl","note":"by phone"}]'
is "obligation: without cite, the rule's cite" "$(jv "$OUT" 'D[1].obligations[2].cite')" "RP-OBL"
is "retain_until: the later of two calls in one rule" "$(jv "$OUT" 'D[1].retention_until')" "2031-06-01"
is "obligations alone do not flag" "$(jv "$OUT" 'D[1].flag .. " " .. #D[1].findings')" "green 0"
ev o2 '{"obl":true,"ret":"2035-02-28"}'
is "retain_until: the latest date of all rules wins (later rule)" "$(jv "$OUT" 'D[1].retention_until')" "2035-02-28"
ev o3 '{"obl":true,"ret":"2029-12-31"}'
is "retain_until: the latest date of all rules wins (earlier rule)" "$(jv "$OUT" 'D[1].retention_until')" "2031-06-01"
ev o4 '{"ret":"2040-03-01T23:30:00-05:00"}'
is "retain_until: a timestamp keeps its civil date" "$(jv "$OUT" 'D[1].retention_until')" "2040-03-01"
ev o5 '{"ret":"2031-02-30"}'
is "retain_until: an impossible date is the rule's error" "$(jv "$OUT" 'D[1].errors[1].rule .. " " .. str(D[1].retention_until)')" "rp/ret null"
ev o6 '{"ret":"2031-06-01","raise":true}'
is "retain_until: a failing rule's date does not count" "$(jv "$OUT" 'D[1].retention_until')" "2031-06-01"

# --- ctx.params and ctx.tenant --------------------------------------------------------
ev p1 '{"params":true}'
is "ctx.params: the pack's params" "$(jv "$OUT" 'D[1].findings[1].message')" "limit=10 label=base depth=1 tenant=acme"

# --- the event, params and ctx are read-only ------------------------------------------
w() { # WHAT EXPECTED-MESSAGE
    ev "w-$1" '{"write":"'"$1"'","inner":{},"items":[1,2],"last":true}'
    is "read-only: $1" "$(jv "$OUT" 'D[1].errors[1].rule .. " " .. D[1].errors[1].where .. " " .. D[1].errors[1].message')" "rp/write $2"
    is "read-only: $1, other rules unaffected" "$(jv "$OUT" 'join(pluck(D[1].findings, "rule"))')" "rp/last"
}
w data "$RF:60 event.data is read-only (cannot set field 'x')"
w top "$RF:61 event is read-only (cannot set field 'id')"
w nested "$RF:62 event.data.inner is read-only (cannot set field 'y')"
w list "$RF:63 event.data.items is read-only (cannot set [1])"
w params "$RF:64 ctx.params is read-only (cannot set field 'limit')"
w ctx "$RF:65 ctx is read-only (cannot set field 'tenant')"
w global "$RF:66 _ENV is read-only (cannot set field 'leaked')"
# and nothing leaked into the next evaluation
{ event n1 '{"write":"params"}'; event n2 '{"params":true}'; } >"$TMP/seq"
run $E "$TMP/seq"
is "read-only: a failed write leaves params as they were" "$(jv "$OUT" 'D[2].findings[1].message')" "limit=10 label=base depth=1 tenant=acme"

# --- how raised errors are reported ------------------------------------------------
write "$TMP/errs/er/pack.lua" <<'EOF'
return { name = "er", version = "1", jurisdiction = "US-XX", rules = { "rules.lua" } }
EOF
write "$TMP/errs/er/lib/helpers.lua" <<'EOF'
local M = {}
function M.deep(x)
  return x.missing.field
end
return M
EOF
write "$TMP/errs/er/rules.lua" <<'EOF'
local helpers = require "lib.helpers"
rule { id = "er/raise", on = "t.a", severity = "minor", cite = "ER-1",
  check = function(e, ctx)
    local w = e.data.how
    if w == "helper" then return helpers.deep({})
    elseif w == "level0" then error("cutoff 17:00: submission late", 0)
    elseif w == "object" then error(setmetatable({}, { __tostring = function() return "custom error object" end }))
    elseif w == "table" then error({ code = 7 })
    end
  end }
EOF
{ event h1 '{"how":"helper"}'; event h2 '{"how":"level0"}'; event h3 '{"how":"object"}'; event h4 '{"how":"table"}'; } >"$TMP/errs.ndjson"
run "$EDICT" eval --packs "$TMP/errs" "$TMP/errs.ndjson"
is "raise in a required module: where is the module's line" "$(jv "$OUT" 'D[1].errors[1].where .. " " .. D[1].errors[1].message')" \
    "errs/er/lib/helpers.lua:3 attempt to index a nil value (field 'missing')"
is "raise without position (level 0): the message kept whole, where is the rule's line" \
    "$(jv "$OUT" 'str(D[2].errors[1].where) .. " | " .. D[2].errors[1].message')" "errs/er/rules.lua:6 | cutoff 17:00: submission late"
is "raise with an object that has __tostring: its text, and where" \
    "$(jv "$OUT" 'str(D[3].errors[1].where) .. " | " .. D[3].errors[1].message')" "errs/er/rules.lua:7 | custom error object"
is "raise with a plain table: said so, and where" \
    "$(jv "$OUT" 'str(D[4].errors[1].where) .. " | " .. D[4].errors[1].message')" "errs/er/rules.lua:8 | (error object is a table value)"

# --- limits: a rule that runs away is stopped, pcall cannot keep it going ---------------
write "$TMP/lim/lm/pack.lua" <<'EOF'
return { name = "lm", version = "1", jurisdiction = "US-XX", rules = { "rules.lua" } }
EOF
write "$TMP/lim/lm/rules.lua" <<'EOF'
rule { id = "lm/run", on = "t.a", severity = "info", cite = "LM-1",
  check = function(e, ctx)
    local w = e.data.what
    if w == "loop" then while true do end
    elseif w == "pcall" then pcall(function() while true do end end) return "swallowed the stop"
    elseif w == "memory" then local t = {} for i = 1, 1e8 do t[i] = ("x"):rep(64) .. i end
    elseif w == "time" then local x = 0 while true do x = x + 1 end
    end
  end }
rule { id = "lm/after", on = "t.a", severity = "minor", cite = "LM-2",
  check = function() return "ran after" end }
EOF
L="$EDICT eval --packs $TMP/lim --limit-instructions 1000000"
{ event l1 '{"what":"loop"}'; event l2 '{"what":"pcall"}'; event l3 '{}'; } >"$TMP/lim.ndjson"
run $L "$TMP/lim.ndjson"
is "limits: exit 0 (a stopped rule is the rule's error)" "$RC" 0
is "limits: instruction limit" "$(jv "$OUT" 'D[1].errors[1].limit .. " | " .. D[1].errors[1].message')" \
    "instructions | instruction limit exceeded (1000000 instructions)"
is "limits: pcall does not swallow the stop" "$(jv "$OUT" 'D[2].errors[1].limit .. " " .. #D[2].findings .. " " .. D[2].findings[1].rule')" "instructions 1 lm/after"
is "limits: the next rule still ran" "$(jv "$OUT" 'D[1].findings[1].rule')" "lm/after"
is "limits: the next event is decided normally" "$(jv "$OUT" '#D[3].errors .. " " .. D[3].flag')" "0 yellow"
{ event l4 '{"what":"memory"}'; event l5 '{}'; } >"$TMP/mem.ndjson"
run "$EDICT" eval --packs "$TMP/lim" --limit-memory 4 --limit-instructions 1000000000 "$TMP/mem.ndjson"
is "limits: memory limit" "$(jv "$OUT" 'tostring(D[1].errors[1].limit) .. " | " .. tostring(D[1].errors[1].message)')" \
    "memory | memory limit exceeded (4096 KiB)"
is "limits: after the memory stop, the next rule and event are fine" \
    "$(jv "$OUT" 'D[1].findings[1].rule .. " " .. #D[2].errors .. " " .. D[2].flag')" "lm/after 0 yellow"
event l6 '{"what":"time"}' >"$TMP/time.ndjson"
run "$EDICT" eval --packs "$TMP/lim" --limit-time 100 --limit-instructions 1000000000 "$TMP/time.ndjson"
is "limits: time limit" "$(jv "$OUT" 'tostring(D[1].errors[1].limit) .. " | " .. tostring(D[1].errors[1].message)')" \
    "time | time limit exceeded (100 ms)"

# a rule's print is one JSON log line, escaped and bounded: a newline in it
# cannot forge another line (issue 10, 6)
mkpack "$TMP/pp/pr" pr 1 US-XX
write "$TMP/pp/pr/rules.lua" <<'EOF2'
rule { id = "pr/print", on = "t.a", severity = "info", cite = "test print",
  check = function(e)
    print('x\n{"level":"error","msg":"forged"}')
    print(string.rep("y", 10000))
    return {}
  end }
EOF2
event pr1 >"$TMP/pr.ndjson"
run "$EDICT" eval --packs "$TMP/pp" --no-journal "$TMP/pr.ndjson"
is "print: no forged log line" "$(grep -c '^{"level":"error","msg":"forged"' "$ERR")" 0
is "print: one line per print" "$(grep -c '"msg":"rule print"' "$ERR")" 2
has "print: the newline escaped in the text" "$ERR" '"text":"x\n{\"level\":\"error\"'
has "print: bounded, saying how much was cut" "$ERR" '"truncated_bytes":5904'

summary
