/**
 * Numbers as EventBridge compares them.
 *
 * aws/event-ruler ≥ 1.8 compares numbers as IEEE-754 doubles over the whole double range
 * (`1e300` works), but only numbers whose decimal literal is exactly a double (the literal
 * equals the shortest decimal form of the double it parses to): `0.1`, `3.0e2`, `301.8`
 * qualify; `0.30000000000000001` or `12345678901234567890` do not ("Cannot compare number").
 * A `numeric` or numeric `anything-but` operand that does not qualify makes the pattern
 * invalid. Equality is double equality, so `300`, `300.0` and `3e2` are equal and
 * `5.0000001` is not `5`.
 */

interface Decimal {
  zero: boolean;
  neg: boolean;
  digits: string;
  exp: number;
}

const LITERAL = /^(-)?([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

function toDecimal(text: string): Decimal | null {
  const m = LITERAL.exec(text);
  if (m === null) return null;
  const frac = m[3] ?? "";
  let digits = (m[2] + frac).replace(/^0+/, "");
  let exp = Number(m[4] ?? "0") - frac.length;
  if (digits === "") return { zero: true, neg: false, digits: "", exp: 0 };
  const trimmed = digits.replace(/0+$/, "");
  exp += digits.length - trimmed.length;
  digits = trimmed;
  return { zero: false, neg: m[1] === "-", digits, exp };
}

/** True when the number literal is exactly representable as the double it parses to. */
export function isComparableNumber(raw: string): boolean {
  const x = Number(raw);
  if (!Number.isFinite(x)) return false;
  const a = toDecimal(raw);
  const b = toDecimal(String(x));
  if (a === null || b === null) return false;
  if (a.zero || b.zero) return a.zero && b.zero;
  return a.neg === b.neg && a.digits === b.digits && a.exp === b.exp;
}

/** A numeric interval; `lo`/`hi` may be ±Infinity for one-sided comparisons. */
export interface NumericRange {
  lo: number;
  loOpen: boolean;
  hi: number;
  hiOpen: boolean;
}

export type NumberTest = (x: number) => boolean;

export function rangeTest(r: NumericRange): NumberTest {
  const { lo, hi } = r;
  if (lo === hi) return (x) => x === lo; // "="
  if (lo === -Infinity) return r.hiOpen ? (x) => x < hi : (x) => x <= hi;
  if (hi === Infinity) return r.loOpen ? (x) => x > lo : (x) => x >= lo;
  if (r.loOpen) return r.hiOpen ? (x) => x > lo && x < hi : (x) => x > lo && x <= hi;
  return r.hiOpen ? (x) => x >= lo && x < hi : (x) => x >= lo && x <= hi;
}
