-- tests/packs/attacks/tests/results.lua — what a check returns cannot hurt
-- the host: values that cannot be encoded are errors, tables whose
-- metatables run code are not read outside the rule's budget (and cannot
-- fail the whole decision), and a rule cannot put more into the decision
-- than its memory limit allows. `errors = {}` accepts any errors (or none)
-- where more than one fix would be right: what matters there is that the
-- decision is made and the sentinel runs.

local function event(attack)
  return { type = "attack.run", occurred_at = "2026-01-01T00:00:00Z", data = { attack = attack } }
end

local function contained(attack, errors, more)
  local expect = { errors = errors, findings = { "attacks/sentinel" }, messages = { "sentinel ok" } }
  for k, v in pairs(more or {}) do expect[k] = v end
  return { name = attack .. " is contained", event = event(attack), expect = expect }
end

return {
  contained("details-function", { "a finding's details cannot be encoded",
                                  "a function cannot be encoded as JSON" }),
  contained("details-cycle", { "nested too deeply (a cycle?)" }),
  contained("details-nan", { "NaN and infinity cannot be encoded as JSON" }),
  contained("return-function", { "check returned a function" }),
  contained("return-coroutine", { "check returned a thread" }),

  -- Found broken at 8871e60: the engine read the returned table
  -- with lua_getfield outside the sandbox call, so an __index error
  -- escaped run_rule and the whole evaluation failed ("evaluating event
  -- ..."), for every rule.
  contained("result-index-error", {}),
  contained("finding-index-error", 1),
  contained("return-env", {}),
  -- ... and an __index that loops ran unbudgeted (an endless one hung the
  -- host: engine_result_metamethods_do_not_run_outside_the_budget).
  contained("result-index-slow", {}),

  -- Found broken at 8871e60: findings, details and obligations were
  -- copied into host buffers without any limit: 32-40 MiB from a rule
  -- limited to 16 MiB (and an exponential DAG in details, t = {t, t} sixty
  -- times, made an output of 2^60 leaves: the host never finished; see
  -- engine_details_cannot_amplify in tests/unit/test_sandbox.c).
  contained("amplify-findings", {}),
  contained("amplify-details", {}),
  contained("amplify-obligations", {}, { obligations = {} }),

  { name = "after every bad result, an ordinary event is decided normally",
    event = event("none"),
    expect = { flag = "green", score = 100, errors = 0, findings = { "attacks/sentinel" },
               messages = { "sentinel ok" } } },
}
