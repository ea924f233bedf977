/**
 * Go's text for scalars of vSphere events (lib/vsphere/event-data.ts): strconv parsing
 * (lenient: never throws), encoding/json and encoding/xml number formatting (float32 with Go's
 * shortest digits), and time.Time's RFC 3339 text.
 */
import { Kind } from "./event-data-plan";

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

export function trimGo(s: string): string {
  const n = s.length;
  if (n === 0) return s;
  if (!isSpace(s.charCodeAt(0)) && !isSpace(s.charCodeAt(n - 1))) return s;
  return s.trim();
}

/** Canonical decimal text of an integer element (strconv.ParseInt / ParseUint). */
export function intText(text: string, kind: Kind, bits: number): string {
  const t = trimGo(text);
  if (t.length === 0) return "0";
  if (t.length <= 15) {
    const n = +t;
    if (n === n && Math.floor(n) === n) {
      if (kind === Kind.Uint && n < 0) return BigInt.asUintN(bits, BigInt(n)).toString();
      return n === 0 ? "0" : String(n);
    }
    return "0";
  }
  try {
    const b = BigInt(t);
    return (kind === Kind.Uint && b < 0n ? BigInt.asUintN(bits, b) : b).toString();
  } catch {
    return "0";
  }
}

export function intNumber(text: string, kind: Kind, bits: number): number {
  const t = trimGo(text);
  if (t.length === 0) return 0;
  if (t.length <= 15) {
    const n = +t;
    if (n === n && Math.floor(n) === n) {
      if (kind === Kind.Uint && n < 0) return Number(BigInt.asUintN(bits, BigInt(n)));
      return n === 0 ? 0 : n;
    }
    return 0;
  }
  return Number(intText(t, kind, bits));
}

export function boolValue(text: string): boolean {
  if (text === "true") return true;
  if (text === "false" || text.length === 0) return false;
  switch (trimGo(text)) {
    case "1":
    case "t":
    case "T":
    case "TRUE":
    case "true":
    case "True":
      return true;
    default:
      return false;
  }
}

export function floatValue(text: string, bits: number): number {
  const t = trimGo(text);
  if (t.length === 0) return 0;
  let n = +t;
  if (n !== n) {
    const l = t.toLowerCase();
    if (l === "inf" || l === "+inf" || l === "infinity" || l === "+infinity") n = Infinity;
    else if (l === "-inf" || l === "-infinity") n = -Infinity;
    else if (l === "nan") n = NaN;
    else n = 0;
  }
  return bits === 32 ? Math.fround(n) : n;
}

/**
 * Shortest decimal digits of a finite non-zero float: |value| = 0.DIGITS x 10^dp. For float64
 * this is ECMAScript's Number::toString digit choice, which is Go's. For float32 it is Go's
 * (Ryu) choice: the fewest digits that parse back to the same float32, the closest such to the
 * exact value, and on an exact tie the even last digit.
 */
function shortestDigits(f: number, bits: number): { digits: string; dp: number } {
  const a = Math.abs(f);
  let s: string | undefined;
  if (bits === 64) {
    s = a.toExponential();
  } else {
    const pow2 = isFloat32PowerOfTwo(a);
    for (let p = 1; p <= 9 && s === undefined; p++) {
      const c = a.toExponential(p - 1);
      if (Math.fround(+c) === a) {
        s = c;
        // toExponential rounds an exact tie away from zero; Go keeps the even digit
        const e = c.indexOf("e");
        if ((c.charCodeAt(e - 1) & 1) === 1 && isExactTie(a, p, +c.slice(e + 1))) {
          const down = bumpLastDigit(c, -1);
          if (Math.fround(+down) === a) s = down;
        }
      } else if (pow2) {
        // below a power of two the float32 spacing halves: the nearest p-digit decimal may
        // miss the (narrower) lower half-interval while the one above still round-trips
        const up = bumpLastDigit(c, 1);
        if (Math.fround(+up) === a) s = up;
      }
    }
    if (s === undefined) s = a.toExponential(8);
  }
  const e = s.indexOf("e");
  let digits = s.slice(0, e).replace(".", "");
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  digits = digits.slice(0, end);
  return { digits, dp: +s.slice(e + 1) + 1 };
}

const f32view = new DataView(new ArrayBuffer(4));

function isFloat32PowerOfTwo(a: number): boolean {
  f32view.setFloat32(0, a);
  return (f32view.getUint32(0) & 0x7fffff) === 0;
}

/**
 * True when the float32 `a` lies exactly halfway between two p-digit decimals at decimal
 * exponent `exp10` (i.e. 2 * a * 10^(p-1-exp10) is an odd integer). Exact, with BigInt.
 */
function isExactTie(a: number, p: number, exp10: number): boolean {
  f32view.setFloat32(0, a);
  const bitsV = f32view.getUint32(0);
  const be = (bitsV >>> 23) & 0xff;
  let m = bitsV & 0x7fffff;
  let e: number;
  if (be === 0) e = -149;
  else {
    m |= 0x800000;
    e = be - 150;
  }
  const sc = p - 1 - exp10;
  let num = 2n * BigInt(m);
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (sc >= 0) num *= 10n ** BigInt(sc);
  else den *= 10n ** BigInt(-sc);
  if (num % den !== 0n) return false;
  return ((num / den) & 1n) === 1n;
}

/** "1.234e+5" -> "1.235e+5" (delta +1) or "1.233e+5" (delta -1) in the last mantissa digit. */
function bumpLastDigit(c: string, delta: 1 | -1): string {
  const e = c.indexOf("e");
  const mant = c.slice(0, e).replace(".", "");
  let exp = +c.slice(e + 1);
  let d = (BigInt(mant) + BigInt(delta)).toString();
  if (d.length > mant.length) {
    exp += 1;
    d = d.slice(0, mant.length);
  } else if (d.length < mant.length) {
    return c; // 1.000e+5 - 1: not needed (only odd last digits go down)
  }
  return d.charAt(0) + (d.length > 1 ? "." + d.slice(1) : "") + "e" + (exp < 0 ? "-" : "+") + Math.abs(exp);
}

function fixedFromDigits(digits: string, dp: number): string {
  const nd = digits.length;
  if (dp <= 0) return "0." + "0".repeat(-dp) + digits;
  if (dp >= nd) return digits + "0".repeat(dp - nd);
  return digits.slice(0, dp) + "." + digits.slice(dp);
}

// Go compares float32 values with float32 constants: float32(abs) < 1e-6
const F32_1E_6 = Math.fround(1e-6);
const F32_1E21 = Math.fround(1e21);

/** Go's encoding/json float formatting ('f' for 1e-6 <= |f| < 1e21, else 'e' with e-7 style). */
export function floatJsonText(f: number, bits: number): string {
  if (f !== f || f === Infinity || f === -Infinity) return "null"; // Go's json.Marshal would fail
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  if (bits === 64) return String(f); // ECMAScript Number::toString == Go's format for float64
  const { digits, dp } = shortestDigits(f, 32);
  const neg = f < 0 ? "-" : "";
  const a = Math.abs(f);
  if (a < F32_1E_6 || a >= F32_1E21) {
    const exp = dp - 1;
    return neg + digits.charAt(0) + (digits.length > 1 ? "." + digits.slice(1) : "") + "e" + (exp < 0 ? "-" : "+") + Math.abs(exp);
  }
  return neg + fixedFromDigits(digits, dp);
}

/** The object form of a float: float32 values as the double nearest to their shortest decimal. */
export function floatObjValue(f: number, bits: number): number | null {
  if (f !== f || f === Infinity || f === -Infinity) return null;
  if (bits === 64 || f === 0) return f;
  return +floatJsonText(f, 32);
}

/** strconv.FormatFloat(f, 'g', -1, bits) */
export function floatXmlText(f: number, bits: number): string {
  if (f !== f) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const { digits, dp } = shortestDigits(f, bits);
  const neg = f < 0 ? "-" : "";
  const exp = dp - 1;
  if (exp < -4 || exp >= 6 /* shortest: eprec = 6 */) {
    const ae = Math.abs(exp);
    return (
      neg +
      digits.charAt(0) +
      (digits.length > 1 ? "." + digits.slice(1) : "") +
      "e" +
      (exp < 0 ? "-" : "+") +
      (ae < 10 ? "0" : "") +
      ae
    );
  }
  return neg + fixedFromDigits(digits, dp);
}

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

export const GO_ZERO_TIME = "0001-01-01T00:00:00Z";

/**
 * time.Time decoded by govmomi (time.Parse(RFC3339)) and printed by MarshalJSON/MarshalText
 * (RFC3339Nano): same wall clock and offset, +00:00 -> Z, fraction truncated to 9 digits,
 * trailing zeros dropped. Text Go could not parse is passed through unchanged.
 */
export function goTime(s: string): string {
  // Go's RFC 3339 layout reads the hour as 1 or 2 digits ("15"); the printed form has 2
  if (s.length > 12 && s.charCodeAt(12) === 58 && s.charCodeAt(10) === 84) s = s.slice(0, 11) + "0" + s.slice(11);
  const n = s.length;
  if (
    n < 20 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) {
    return s;
  }
  let i = 19;
  let frac = "";
  const c19 = s.charCodeAt(19);
  if ((c19 === 46 || c19 === 44) && isDigitAt(s, 20)) {
    let j = 20;
    while (j < n && isDigitAt(s, j)) j++;
    let end = Math.min(j, 29);
    while (end > 20 && s.charCodeAt(end - 1) === 48) end--;
    frac = end > 20 ? "." + s.slice(20, end) : "";
    i = j;
  }
  const zlen = n - i;
  let zone: string;
  if (zlen === 1 && s.charCodeAt(i) === 90) {
    zone = "Z";
  } else if (zlen === 6 && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45) && s.charCodeAt(i + 3) === 58) {
    zone = s.slice(i);
    if (zone.charCodeAt(1) === 48 && zone.charCodeAt(2) === 48 && zone.charCodeAt(4) === 48 && zone.charCodeAt(5) === 48) {
      zone = "Z";
    }
  } else {
    return s;
  }
  if (frac === "" && i === 19 && zone === "Z" && zlen === 1) return s;
  return s.slice(0, 19) + frac + zone;
}

