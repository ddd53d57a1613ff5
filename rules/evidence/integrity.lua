-- rules/evidence/integrity.lua — evidence.stored (`data.evidence_id`,
-- `evidence_type`, `sha512`, `size_bytes`, optional `bytes_b64`): the
-- recorded SHA-512 is well formed, matches the bytes when they come with
-- the event, the recorded size matches them, and the evidence is kept 7
-- years.
--
-- Operator policy, not statute: seed 002 §7.3 "Evidence integrity
-- verification via SHA-512", §3 evidence_records.file_hash "SHA-512 hash",
-- §9 "Evidence Integrity: 100% verified hashes", §7.2 "Evidence documents
-- retained for 7 years". Applies to evidence.stored events of every
-- jurisdiction (jurisdiction "*").
--
-- Readings taken here:
--   * sha512 is 128 hex digits, either case (compared case-insensitively,
--     in constant time); missing or malformed → major, and the bytes are
--     then not compared (there is nothing well formed to compare with).
--   * bytes_b64 absent (or JSON null): nothing to compare; the digest is
--     taken on trust, as when the file is stored elsewhere.
--   * bytes_b64 present: strict base64 (lib/base64.lua); invalid → major
--     "bytes_b64 is not valid base64" (the bytes cannot be checked); longer
--     than params.max_b64_chars → major "too large to verify here".
--   * digest of the decoded bytes ≠ sha512 → critical: the stored evidence
--     is not the document that was recorded (tampered or corrupted).
--   * size_bytes present: a whole number >= 0, else major; when the bytes
--     are valid, it must equal their decoded length, else major.
-- luacheck: globals rule

local window = require "edict.window"
local hash = require "edict.hash"
local base64 = require "lib.base64"

local INTEGRITY = "seed 002 policy: evidence integrity verification via SHA-512 (§7.3)"

local function evidence(d)
  local id = d.evidence_id
  local name
  if type(id) == "string" and id ~= "" then
    name = id
  elseif math.type(id) == "integer" then
    name = tostring(id)
  else
    name = "(no evidence_id)"
  end
  if type(d.evidence_type) == "string" and d.evidence_type ~= "" then
    name = ("%s (%s)"):format(name, d.evidence_type)
  end
  return name
end

-- The recorded digest in lower case when it is 128 hex digits, else nil.
local function digest(d)
  local h = d.sha512
  if type(h) == "string" and #h == 128 and not h:find("[^%x]") then return h:lower() end
  return nil
end

-- The inline bytes' text when a rule may decode it here: a string within
-- params.max_b64_chars (bytes-too-large speaks for longer ones), else nil.
local function inline(d, ctx)
  local b = d.bytes_b64
  if type(b) ~= "string" then return nil end
  local max = ctx.params.max_b64_chars
  if math.type(max) ~= "integer" or max < 0 then
    error("params.max_b64_chars must be a whole number >= 0", 0)
  end
  if #b > max then return nil end
  return b
end

local function ids(d)
  return { evidence_id = d.evidence_id, evidence_type = d.evidence_type }
end

rule {
  id = "evidence/retention",
  on = "evidence.stored",
  severity = "info",
  cite = "seed 002 policy: evidence documents retained for 7 years (§7.2)",
  -- No finding: keep the evidence 7 years (params.retention_years) from
  -- occurred_at's date (UTC, the pack's clock). For EU events Reg. (EU) 2023/1115
  -- Art. 4 keeps the DDS 5 years; the longer period governs, and the
  -- decision keeps the latest date any pack asks for.
  check = function(e, ctx)
    window.retain_years(e, ctx, "retention_years")
  end,
}

rule {
  id = "evidence/sha512-format",
  on = "evidence.stored",
  severity = "major",
  cite = INTEGRITY,
  check = function(e)
    local d = e.data or {}
    if digest(d) then return end
    local h = d.sha512
    local why
    if h == nil then
      why = "no sha512 recorded"
    elseif type(h) ~= "string" then
      why = ("sha512 is a %s, not hex text"):format(type(h))
    elseif h:find("[^%x]") then
      local at = h:find("[^%x]")
      why = ("sha512 has a non-hex character at position %d"):format(at)
    else
      why = ("sha512 has %d hex digits, not 128"):format(#h)
    end
    return {
      message = ("evidence %s: %s, so its integrity cannot be verified; record the SHA-512 "
        .. "of the stored file (128 hex digits)"):format(evidence(d), why),
      evidence_required = { "sha512_digest" },
      details = ids(d),
    }
  end,
}

rule {
  id = "evidence/bytes-invalid",
  on = "evidence.stored",
  severity = "major",
  cite = INTEGRITY,
  check = function(e, ctx)
    local d = e.data or {}
    local b = d.bytes_b64
    if b == nil then return end
    if type(b) == "string" and not inline(d, ctx) then return end -- bytes-too-large
    local len, why = base64.check(b)
    if len then return end
    return {
      message = ("evidence %s: bytes_b64 is not valid base64 (%s), so the file cannot be checked "
        .. "against its SHA-512; send the file again as standard padded base64")
        :format(evidence(d), why),
      evidence_required = { "evidence_file" },
      details = ids(d),
    }
  end,
}

rule {
  id = "evidence/bytes-too-large",
  on = "evidence.stored",
  severity = "major",
  -- Not a defect of the evidence: the inline copy is larger than a rule can
  -- hash within its budget, so the integrity is not verified by this
  -- decision. Major ("cannot be checked"): verify the stored object's
  -- SHA-512 out of band, or send it by reference without bytes_b64.
  cite = INTEGRITY,
  check = function(e, ctx)
    local d = e.data or {}
    local b = d.bytes_b64
    local max = ctx.params.max_b64_chars
    if type(b) ~= "string" or #b <= max then return end
    return {
      message = ("evidence %s: bytes_b64 has %d characters, more than the %d this rule can hash; "
        .. "its SHA-512 is not verified here — verify the stored file's digest out of band")
        :format(evidence(d), #b, max),
      evidence_required = { "sha512_verification_record" },
      details = { evidence_id = d.evidence_id, chars = #b, max_b64_chars = max },
    }
  end,
}

rule {
  id = "evidence/hash-mismatch",
  on = "evidence.stored",
  severity = "critical",
  cite = INTEGRITY,
  check = function(e, ctx)
    local d = e.data or {}
    local want = digest(d)
    local b = inline(d, ctx)
    if not want or not b then return end
    local got, len = base64.sha512(b)
    if not got or hash.equal(got, want) then return end -- invalid: bytes-invalid speaks
    local at = 1
    while got:sub(at, at) == want:sub(at, at) do at = at + 1 end
    return {
      message = ("evidence %s: SHA-512 of the %d stored bytes (%s…) does not match the recorded "
        .. "digest (%s…; first difference at hex digit %d): the file is not the document that "
        .. "was recorded (altered or corrupted); quarantine it and restore the original from a "
        .. "verified copy"):format(evidence(d), len, got:sub(1, 16), want:sub(1, 16), at),
      evidence_required = { "original_evidence_file" },
      details = { evidence_id = d.evidence_id, evidence_type = d.evidence_type,
                  sha512_recorded = want, sha512_computed = got, size_bytes = len },
    }
  end,
}

rule {
  id = "evidence/size-mismatch",
  on = "evidence.stored",
  severity = "major",
  cite = INTEGRITY,
  check = function(e, ctx)
    local d = e.data or {}
    local size = d.size_bytes
    if size == nil then return end
    local whole = math.type(size) == "integer"
      or (math.type(size) == "float" and size == math.floor(size) and size < 2^53)
    if not whole or size < 0 then
      return {
        message = ("evidence %s: size_bytes (%s) is not a whole number of bytes; record the "
          .. "stored file's size"):format(evidence(d),
            type(size) == "string" and ("%q"):format(size) or tostring(size)),
        evidence_required = { "evidence_file" },
        details = ids(d),
      }
    end
    local b = inline(d, ctx)
    local len = b and base64.check(b)
    if not len or len == size then return end
    return {
      message = ("evidence %s: size_bytes says %d bytes but bytes_b64 decodes to %d; the file "
        .. "or its record is incomplete — compare with the stored original")
        :format(evidence(d), math.tointeger(size), len),
      evidence_required = { "original_evidence_file" },
      details = { evidence_id = d.evidence_id, size_bytes = math.tointeger(size), decoded_bytes = len },
    }
  end,
}
