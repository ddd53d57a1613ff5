-- examples/serve/edict.conf.lua — a configuration for trying `edict serve`
-- on a laptop. Paths are relative to this file. Every field is optional;
-- README.md ("edict serve") lists them with their defaults.
--
-- The demo tokens (NEVER use them anywhere real) are:
--   acme        acme-demo-token-change-me
--   greenleaf   greenleaf-demo-token-change-me
--   roadrunner  roadrunner-demo-token-change-me
--   admin       admin-demo-token-change-me
-- Only their SHA-256 is kept here; make your own with
--   printf '%s\n' "$TOKEN" | edict serve --hash-token
return {
  listen = "127.0.0.1:8080",
  packs = { "../../rules", "../../jurisdictions" },
  tenants_dir = "../../tenants",
  journal = "../../build/serve/journal",
  state_dir = "../../build/serve/state",

  admin_token_sha256 = "6dd3312057c676f579b28474346a8da381e9ea1079ea2483f09fff777a0eae3d",
  tenants = {
    acme = { token_sha256 = "558a584005455e34a703299474f5ed920a7d68c51e1767aced5088a9a6acbc79" },
    greenleaf = { token_sha256 = "f2db3b18617cc20f5c05c711462f4ef6f364c325d281817b5a5bb1cbc82a889a",
                  rate_per_minute = 600, burst = 60 },
    roadrunner = { token_sha256 = "93091d7e279558308f1d58dbf35ac96635467dc5aa47bdbbf73b4958a96b9bf0" },
  },

  -- POST /v1/webhooks/metrc: HMAC-SHA256 signed deliveries, normalised to
  -- catalogue events for tenant greenleaf. Keep real secrets out of files:
  -- secret_env = "EDICT_METRC_WEBHOOK_SECRET".
  webhooks = {
    metrc = { tenant = "greenleaf", secret = "demo-webhook-secret-change-me",
              normaliser = "webhooks/metrc.lua" },
  },
}
