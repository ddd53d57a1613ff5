-- rules/evidence/pack.lua — evidence integrity and retention for
-- evidence.stored, shared by every jurisdiction (DESIGN.md: "EU, any").
--
-- Operator policy from seed 002 (the EUDR traceability audit agent): every
-- evidence document carries its SHA-512 ("Evidence integrity verification
-- via SHA-512", §7.3) and is kept 7 years ("Evidence documents retained for
-- 7 years", §7.2). When the bytes come with the event (bytes_b64), the
-- digest and the size are checked against them.
return {
  name = "evidence",
  version = "2026.1",
  jurisdiction = "*",
  title = "Evidence integrity (SHA-512) and 7-year evidence retention (seed 002 policy)",
  -- The clock of the one date the pack takes (retention from occurred_at's
  -- date): UTC, since the pack applies to events of every jurisdiction and
  -- its evidence is kept whole years, not days.
  zone = "UTC",
  params = {
    -- seed 002 §7.2: evidence documents retained 7 years, from occurred_at
    -- (the moment the evidence was stored). For EU events the DDS itself is
    -- kept 5 years (Reg. (EU) 2023/1115 Art. 4); the longer period governs.
    retention_years = 7,
    -- Largest bytes_b64 text (characters) a rule decodes; longer inline
    -- payloads are reported as not verifiable here (bytes-too-large).
    -- 1,000,000 characters = 750,000 bytes: decoding and hashing costs
    -- about 1.9 instructions per character, finding a bad character at the
    -- very end about 3.2, so the worst case stays near 3.2 million of the
    -- default 5,000,000-instruction rule budget. Raise it together with the
    -- tenant's limits.instructions.
    max_b64_chars = 1000000,
  },
  events = { "evidence.stored" }, -- the types it decides (docs/EVENTS.md)
  rules = { "integrity.lua" },
}
