/**
 * Header value encoding of the CloudEvents HTTP binding 1.0.2 (§3.1.3.2).
 *
 * Encode: the UTF-8 bytes of space, `"`, `%` and every character outside printable ASCII
 * (U+0021..U+007E) become `%XY` (upper-case hex).
 * Decode: undo an RFC 7230 quoted-string, then exactly one round of percent-decoding (lower-case
 * hex accepted, needlessly encoded characters accepted); the resulting bytes must be valid UTF-8.
 * Raw (unencoded) UTF-8 sent by senders that do not encode (sdk-go, sdk-java) arrives in Node as
 * latin1 characters and is decoded as UTF-8 too.
 */

export class HeaderValueError extends Error {
  override readonly name = "HeaderValueError";
}

const HEX = "0123456789ABCDEF";

function needsEncoding(code: number): boolean {
  return code <= 0x20 || code >= 0x7f || code === 0x22 || code === 0x25;
}

/** Percent-encode a header value per CloudEvents HTTP binding 1.0.2. */
export function encodeHeaderValue(value: string): string {
  let i = 0;
  const n = value.length;
  while (i < n && !needsEncoding(value.charCodeAt(i))) i++;
  if (i === n) return value; // fast path: nothing to encode
  let out = value.slice(0, i);
  const bytes = Buffer.from(value.slice(i), "utf8");
  for (const b of bytes) {
    if (needsEncoding(b)) out += "%" + HEX[b >> 4] + HEX[b & 15];
    else out += String.fromCharCode(b);
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Undo an RFC 7230 quoted-string (`"..."` with backslash escapes); other values unchanged. */
export function unquoteHeaderValue(value: string): string {
  if (value.length < 2 || value.charCodeAt(0) !== 0x22 || value.charCodeAt(value.length - 1) !== 0x22) {
    return value;
  }
  let out = "";
  const end = value.length - 1;
  for (let i = 1; i < end; i++) {
    const c = value[i];
    if (c === "\\") {
      i++;
      if (i >= end) throw new HeaderValueError("quoted-string ends with a lone backslash");
      out += value[i];
    } else if (c === '"') {
      throw new HeaderValueError("quoted-string contains an unescaped double quote");
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Decode a `ce-` header value. Throws `HeaderValueError` for a `%` not followed by two hex
 * digits, for byte sequences that are not valid UTF-8 (e.g. overlong `%C0%A0`) and for a
 * malformed quoted-string.
 */
export function decodeHeaderValue(raw: string): string {
  const value = unquoteHeaderValue(raw);
  let simple = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 || c > 0x7e) {
      simple = false;
      break;
    }
  }
  if (simple) return value;

  // Node gives header values as latin1 strings (one char per byte); a string with wider
  // characters (headers built in JS) is taken as text and its UTF-8 bytes are used.
  let wide = false;
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0xff) {
      wide = true;
      break;
    }
  }
  const src = Buffer.from(value, wide ? "utf8" : "latin1");
  const out = Buffer.allocUnsafe(src.length);
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i];
    if (b !== 0x25) {
      out[o++] = b;
      continue;
    }
    const hi = i + 1 < src.length ? hexValue(src[i + 1]) : -1;
    const lo = i + 2 < src.length ? hexValue(src[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      throw new HeaderValueError(`invalid percent-encoding at position ${i}`);
    }
    out[o++] = (hi << 4) | lo;
    i += 2;
  }
  try {
    return utf8.decode(out.subarray(0, o));
  } catch {
    throw new HeaderValueError("percent-decoded value is not valid UTF-8");
  }
}
