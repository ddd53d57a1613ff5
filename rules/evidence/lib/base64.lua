-- rules/evidence/lib/base64.lua — a strict base64 (RFC 4648 §4) reader for
-- evidence.stored's bytes_b64: checks the text (check), decodes it
-- (decode) or streams the decoded bytes into a SHA-512 hasher (sha512).
--
-- edict.hash has no base64 decoder, so this one is written for the rule
-- budget: no Lua loop per character. Each pair of base64 characters (12
-- bits) is turned into three hex digits by one string.gsub with a 4,096-
-- entry table (work done in C, charged per pattern step), which also
-- validates the alphabet (see scan), and hash.unhex turns the hex into
-- bytes. About 1.7 instructions per character; the text is decoded whole
-- (memory about 3× the text), so the rules cap its size (max_b64_chars).
--
-- Strict means (anything else is "not valid base64", never an error):
--   * the standard alphabet A–Z a–z 0–9 + / only: no whitespace or line
--     breaks (MIME), no URL-safe - and _;
--   * padded: the length is a multiple of 4, '=' only as the last one or
--     two characters;
--   * canonical: the bits the padding leaves unused are zero ("QQ==" is
--     "A"; "QR==" is refused), so one byte string has exactly one text.
-- The empty text is valid and decodes to the empty string (an empty file).

local hash = require "edict.hash"

local M = {}

local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local VALUE = {}   -- character → 0..63
local PAIR = {}    -- two characters → three hex digits (their 12 bits)
do
  local chars = {}
  for i = 1, 64 do
    local c = ALPHABET:sub(i, i)
    chars[i - 1] = c
    VALUE[c] = i - 1
  end
  for a = 0, 63 do
    for b = 0, 63 do
      PAIR[chars[a] .. chars[b]] = ("%03x"):format(a * 64 + b)
    end
  end
end

-- How to name character c of a text in a message.
local function shown(c)
  if c:match("^[%g ]$") then return ("'%s'"):format(c) end
  return ("byte 0x%02X"):format(c:byte())
end

-- shape(s) -> decoded length, body length (the characters before a padded
-- last group), or nil and why. Checks the type, the length and the padded
-- last group; the body's characters are checked by scan().
local function shape(s)
  if type(s) ~= "string" then
    return nil, ("it is a %s, not text"):format(type(s))
  end
  local n = #s
  if n % 4 ~= 0 then
    return nil, ("its length %d is not a multiple of 4"):format(n)
  end
  if n == 0 then return 0, 0 end
  local last = s:sub(n - 3, n)
  local eq = last:find("=", 1, true)
  if not eq then return n // 4 * 3, n end
  local pad = 4 - eq + 1
  if pad > 2 or last:sub(eq) ~= ("="):rep(pad) then
    return nil, ("'=' at position %d is not padding at the end"):format(n - 4 + eq)
  end
  for k = 1, 4 - pad do
    local c = last:sub(k, k)
    if not VALUE[c] then
      return nil, ("%s at position %d is not in the base64 alphabet"):format(shown(c), n - 4 + k)
    end
  end
  -- the bits the padding leaves unused must be zero (canonical form)
  local v = VALUE[last:sub(4 - pad, 4 - pad)]
  if v & (pad == 2 and 0x0F or 0x03) ~= 0 then
    return nil, "the bits before the padding are not zero (not canonical base64)"
  end
  return n // 4 * 3 - pad, n - 4
end

-- The bytes of the padded last group ("xy==" or "xyz="), already checked.
local function tail_bytes(group)
  local a, b = VALUE[group:sub(1, 1)], VALUE[group:sub(2, 2)]
  if group:sub(3, 3) == "=" then
    return string.char((a << 2) | (b >> 4))
  end
  local c = VALUE[group:sub(3, 3)]
  return string.char((a << 2) | (b >> 4), ((b & 0x0F) << 4) | (c >> 2))
end

-- scan(s, want) -> decoded length (and, when want, the decoded bytes of the
-- body and of the padded last group), or nil and why s is not valid base64.
--
-- One gsub turns the body's pairs into hex and leaves the padded group as
-- it is. A pair holding a character outside the alphabet has no entry in
-- PAIR and is kept as its two characters instead of three hex digits, so
-- the text is valid exactly when the result has the expected length: no
-- per-character work in Lua. (One pass over the whole text, not slices:
-- string.sub is charged for the length of the string it cuts from.)
local function scan(s, want)
  local len, body = shape(s)
  if not len then return nil, body end
  local pairs_n = body // 2
  local out = s:gsub("..", PAIR, pairs_n)
  if #out ~= pairs_n * 3 + (#s - body) then
    -- the first non-hex character of out is in the first bad pair; the k
    -- good pairs before it gave 3 hex digits each (every character outside
    -- the alphabet, '=' included, is not a hex digit)
    local _, run = out:find("^%x*") -- one step per hex digit; "%X" would cost two
    local k = run // 3
    local pair = s:sub(2 * k + 1, 2 * k + 2)
    local off = VALUE[pair:sub(1, 1)] and 1 or 0
    return nil, ("%s at position %d is not in the base64 alphabet")
      :format(shown(pair:sub(off + 1, off + 1)), 2 * k + 1 + off)
  end
  if not want then return len end
  local hex = body == #s and out or out:sub(1, pairs_n * 3)
  return len, hash.unhex(hex), body < #s and tail_bytes(s:sub(body + 1)) or ""
end

-- check(s) -> decoded length, or nil and why s is not valid base64.
function M.check(s)
  return scan(s, false)
end

-- decode(s) -> the bytes, or nil and why s is not valid base64.
function M.decode(s)
  local len, bytes, tail = scan(s, true)
  if not len then return nil, bytes end
  return bytes .. tail
end

-- sha512(s) -> hex SHA-512 of the decoded bytes and their length, or nil
-- and why s is not valid base64.
function M.sha512(s)
  local len, bytes, tail = scan(s, true)
  if not len then return nil, bytes end
  local h <close> = hash.hasher("sha512")
  return h:update(bytes):update(tail):final(), len
end

return M
