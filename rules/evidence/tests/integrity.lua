-- rules/evidence/tests/integrity.lua — fixtures for evidence.stored: real
-- SHA-512 values (computed with `printf … | sha512sum` and `base64`), the
-- empty file, uppercase hex, one flipped hex digit, both paddings, bad
-- base64 of every kind, malformed digests and sizes, the size cap, and the
-- 7-year retention (across a leap day). The pack is shared ("*"), so
-- every event names its jurisdiction.

-- printf 'EUDR due diligence statement DDS-2027-0001\n'   (43 bytes)
local DDS_TEXT_B64 = "RVVEUiBkdWUgZGlsaWdlbmNlIHN0YXRlbWVudCBERFMtMjAyNy0wMDAxCg=="
local DDS_TEXT_SHA = "5e1babd8979265dbc32d8f30f1b90f0d724db771463072ea7ded422d256280786"
  .. "c5f032837de41e70acc20c6ea8ddcfae4f0221193798ed3ed1796b89f3d485e"
-- the same digest with its last hex digit flipped (e → f)
local DDS_TEXT_SHA_FLIPPED = DDS_TEXT_SHA:sub(1, 127) .. "f"
-- printf '' (the empty file)
local EMPTY_SHA = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
  .. "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
-- printf 'A' → "QQ==" (two '=')
local A_SHA = "21b4f4bd9e64ed355c3eb676a28ebedaf6d8f17bdc365995b319097153044080"
  .. "516bd083bfcce66121a3072646994c8430cc382b8dc543e84880183bf856cff5"
-- printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00' (20 bytes of a
-- PNG header: binary bytes, NULs, one '=')
local PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAQA="
local PNG_SHA = "9b9b4d2bd8946d35a7f34fd97b622ac2913e3912e58db5ee90e9f689db1f168f"
  .. "adbaae332896734b7cb9442e6fb0a7d75b22082f8e871c32457ce342a810d900"

-- head -c 750000 /dev/zero (what ("AAAA"):rep(250000) decodes to)
local ZEROS_750K_SHA = "d32049321308a4119615c325847b214cd00b208d793de122cbd9df4a3740bfd0"
  .. "e2347c6d71bde1cc8ff7563fb1c287c5f77a1e2b127f92d42a6731f659bdbbc4"

local function event(id, data, jurisdiction, occurred_at)
  return {
    type = "evidence.stored", tenant = "verdant", id = id,
    jurisdiction = jurisdiction or "EU",
    occurred_at = occurred_at or "2027-02-01T09:30:00+01:00",
    data = data,
  }
end

-- A DDS text evidence record with the given overrides.
local function dds(over)
  local d = { evidence_id = "EV-2027-0001", evidence_type = "DECLARATION",
              sha512 = DDS_TEXT_SHA, size_bytes = 43, bytes_b64 = DDS_TEXT_B64 }
  for k, v in pairs(over or {}) do d[k] = v end
  return d
end

local function without(field)
  local d = dds()
  d[field] = nil
  return d
end

return {
  -- ---------------------------------------------------------- holding
  { name = "bytes, digest and size all match: green, kept 7 years",
    event = event("ev-match", dds()),
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2034-02-01" } },

  { name = "digest in uppercase hex matches (compared case-insensitively)",
    event = event("ev-upper", dds { sha512 = DDS_TEXT_SHA:upper() }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "the empty file: empty bytes_b64, size 0, SHA-512 of nothing",
    event = event("ev-empty", { evidence_id = "EV-EMPTY", evidence_type = "CORRESPONDENCE",
                                 sha512 = EMPTY_SHA, size_bytes = 0, bytes_b64 = "" }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "one-byte file, padding '==': matches",
    event = event("ev-pad2", { evidence_id = "EV-A", sha512 = A_SHA, size_bytes = 1, bytes_b64 = "QQ==" }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "binary bytes (PNG header with NULs), padding '=': matches",
    event = event("ev-png", { evidence_id = "EV-PHOTO-7", evidence_type = "PHOTO",
                               sha512 = PNG_SHA, size_bytes = 20, bytes_b64 = PNG_B64 }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "no bytes_b64: the digest is recorded, nothing to compare",
    event = event("ev-no-bytes", without("bytes_b64")),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "shared pack: an Oregon evidence.stored event is decided the same way",
    event = event("ev-us-or", dds(), "US-OR", "2026-03-02T10:00:00-08:00"),
    expect = { flag = "green", findings = {}, score = 100, retention_until = "2033-03-02" } },

  { name = "retention from a leap day: 2028-02-29 + 7 years = 2035-02-28",
    event = event("ev-leap", dds(), "EU", "2028-02-29T12:00:00+01:00"),
    expect = { flag = "green", findings = {}, retention_until = "2035-02-28" } },

  -- ---------------------------------------------------------- mismatch
  { name = "one flipped hex digit in the digest: critical mismatch",
    event = event("ev-flipped", dds { sha512 = DDS_TEXT_SHA_FLIPPED }),
    expect = { flag = "red", findings = { "evidence/hash-mismatch" }, score = 75,
               messages = { "EV-2027-0001", "5e1babd8979265db", "first difference at hex digit 128",
                            "not the document that was recorded" } } },

  { name = "bytes altered (one character of the base64 changed): critical",
    event = event("ev-altered", dds { bytes_b64 = "RVVEUiBkdWUgZGlsaWdlbmNlIHN0YXRlbWVudCBERFMtMjAyNy0wMDAyCg==" }),
    expect = { flag = "red", findings = { "evidence/hash-mismatch" }, score = 75 } },

  { name = "size_bytes disagrees with the decoded length (digest right): major",
    event = event("ev-size", dds { size_bytes = 44 }),
    expect = { flag = "yellow", findings = { "evidence/size-mismatch" }, score = 90,
               messages = { "says 44 bytes but bytes_b64 decodes to 43" } } },

  { name = "truncated file: digest and size both wrong",
    event = event("ev-truncated", dds { bytes_b64 = "RVVEUiBkdWUgZGlsaWdlbmNl" }),
    expect = { flag = "red", findings = { "evidence/hash-mismatch", "evidence/size-mismatch" }, score = 65 } },

  -- ---------------------------------------------------------- bad base64
  { name = "a character outside the alphabet: not valid base64, named with its position",
    event = event("ev-b64-char", dds { bytes_b64 = "RVVEUiBkdWUgZGlsaWdlbmNl@HN0YXRlbWVudCBERFMtMjAyNy0wMDAxCg==" }),
    expect = { flag = "yellow", findings = { "evidence/bytes-invalid" }, score = 90,
               messages = { "bytes_b64 is not valid base64", "'@' at position 25" } } },

  { name = "length not a multiple of 4 (padding dropped): not valid base64",
    event = event("ev-b64-unpadded", dds { bytes_b64 = "RVVEUiBkdWUgZGlsaWdlbmNlIHN0YXRlbWVudCBERFMtMjAyNy0wMDAxCg" }),
    expect = { flag = "yellow", findings = { "evidence/bytes-invalid" }, score = 90,
               messages = { "not a multiple of 4" } } },

  { name = "'=' in the middle: not valid base64",
    event = event("ev-b64-mid-pad", dds { bytes_b64 = "RVVE=iBk" }),
    expect = { flag = "yellow", findings = { "evidence/bytes-invalid" }, score = 90,
               messages = { "'=' at position 5" } } },

  { name = "non-zero bits before the padding ('QR=='): not canonical, refused",
    event = event("ev-b64-noncanonical", { evidence_id = "EV-A", sha512 = A_SHA, size_bytes = 1, bytes_b64 = "QR==" }),
    expect = { flag = "yellow", findings = { "evidence/bytes-invalid" }, score = 90,
               messages = { "not canonical" } } },

  { name = "MIME line break inside the text: not valid base64 (strict)",
    event = event("ev-b64-newline", dds { bytes_b64 = "RVVEUiBkdWUgZGlsaWdl\nbmNlIHN0YXRlbWVudCBERFMtMjAyNy0wMDAxCg=" }),
    expect = { flag = "yellow", findings = { "evidence/bytes-invalid" }, score = 90,
               messages = { "byte 0x0A at position 21" } } },

  { name = "URL-safe alphabet ('-' and '_'): not valid base64",
    event = event("ev-b64-urlsafe", { evidence_id = "EV-U", sha512 = A_SHA, bytes_b64 = "-_8A" }),
    expect = { flag = "yellow", findings = { "evidence/bytes-invalid" }, score = 90,
               messages = { "'-' at position 1" } } },

  { name = "bad character in the padded last group",
    event = event("ev-b64-tail", { evidence_id = "EV-A", sha512 = A_SHA, bytes_b64 = "Q*==" }),
    expect = { flag = "yellow", findings = { "evidence/bytes-invalid" }, score = 90,
               messages = { "'*' at position 2" } } },

  { name = "bytes_b64 a number: not valid base64, no rule error",
    event = event("ev-b64-number", dds { bytes_b64 = 12345678 }),
    expect = { flag = "yellow", findings = { "evidence/bytes-invalid" }, score = 90,
               messages = { "it is a number" } } },

  { name = "bad base64 hides neither a malformed digest nor a bad size",
    event = event("ev-b64-and-more", { evidence_id = "EV-X", sha512 = "abc", size_bytes = -1, bytes_b64 = "%%%%" }),
    expect = { flag = "yellow", score = 70, findings = {
      "evidence/bytes-invalid", "evidence/sha512-format", "evidence/size-mismatch" } } },

  -- ---------------------------------------------------------- digest and size fields
  { name = "no sha512: major, the bytes are not compared",
    event = event("ev-no-sha", without("sha512")),
    expect = { flag = "yellow", findings = { "evidence/sha512-format" }, score = 90,
               messages = { "no sha512 recorded" } } },

  { name = "127 hex digits: major",
    event = event("ev-sha-127", dds { sha512 = DDS_TEXT_SHA:sub(1, 127) }),
    expect = { flag = "yellow", findings = { "evidence/sha512-format" }, score = 90,
               messages = { "127 hex digits, not 128" } } },

  { name = "non-hex character in the digest: major",
    event = event("ev-sha-g", dds { sha512 = "g" .. DDS_TEXT_SHA:sub(2) }),
    expect = { flag = "yellow", findings = { "evidence/sha512-format" }, score = 90,
               messages = { "non-hex character at position 1" } } },

  { name = "sha512 a number: major, no rule error",
    event = event("ev-sha-number", dds { sha512 = 42 }),
    expect = { flag = "yellow", findings = { "evidence/sha512-format" }, score = 90 } },

  { name = "size_bytes as text: major",
    event = event("ev-size-text", dds { size_bytes = "43" }),
    expect = { flag = "yellow", findings = { "evidence/size-mismatch" }, score = 90,
               messages = { "not a whole number of bytes" } } },

  { name = "size_bytes without bytes: nothing to compare",
    event = event("ev-size-only", { evidence_id = "EV-9", sha512 = DDS_TEXT_SHA, size_bytes = 999 }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "no data at all: digest missing, still kept 7 years",
    event = event("ev-bare", {}),
    expect = { flag = "yellow", findings = { "evidence/sha512-format" }, score = 90,
               retention_until = "2034-02-01", messages = { "(no evidence_id)" } } },

  -- ---------------------------------------------------------- size cap and budget
  { name = "1,000,000 characters (the cap) with a bad character at the very end: found within budget",
    event = event("ev-cap-bad", { evidence_id = "EV-BIG", sha512 = EMPTY_SHA,
                                  bytes_b64 = ("AAAA"):rep(249999) .. "AAA@" }),
    expect = { flag = "yellow", findings = { "evidence/bytes-invalid" }, score = 90,
               messages = { "'@' at position 1000000" } } },

  { name = "1,000,000 characters (the cap): 750,000 zero bytes decoded and hashed within budget",
    event = event("ev-cap-hash", { evidence_id = "EV-BIG", sha512 = ZEROS_750K_SHA, size_bytes = 750000,
                                   bytes_b64 = ("AAAA"):rep(250000) }),
    expect = { flag = "green", findings = {}, score = 100 } },

  { name = "over the cap by one group: not verified here, major, no rule error",
    event = event("ev-too-large", { evidence_id = "EV-HUGE", sha512 = EMPTY_SHA,
                                    bytes_b64 = ("AAAA"):rep(250001) }),
    expect = { flag = "yellow", findings = { "evidence/bytes-too-large" }, score = 90,
               messages = { "1000004 characters, more than the 1000000" } } },
}
