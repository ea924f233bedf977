/**
 * `equals-ignore-case` as EventBridge (aws/event-ruler) implements it.
 *
 * Each character of the pattern accepts its full lower-case or its full upper-case mapping
 * (Unicode default case mappings, locale-independent, including the special cases: `ß`
 * upper-cases to `SS`, `İ` lower-cases to `i̇`). So `straße` matches `STRASSE`, `Straße` and
 * `STRAßE`, and `ÄÖÜ` matches `äöü`. The event value itself is not case-mapped: the pattern
 * `STRASSE` does not match `straße`, exactly as in EventBridge.
 *
 * Compiled once per pattern value into per-character alternatives; matching is a linear scan
 * when every alternative is one UTF-16 unit long (all ASCII and most other scripts) and a
 * small position-set walk otherwise (alternatives of different lengths, like `ß`/`SS`).
 */

export type StringTest = (s: string) => boolean;

interface Units {
  /** per pattern character: its accepted spellings (1 or 2 distinct strings) */
  alts: string[][];
  /** every spelling is exactly one UTF-16 unit: lo[i]/up[i] are their char codes */
  simple: boolean;
  lo: number[];
  up: number[];
}

function compileUnits(pattern: string): Units {
  const alts: string[][] = [];
  let simple = true;
  const lo: number[] = [];
  const up: number[] = [];
  for (const ch of pattern) {
    const l = ch.toLowerCase();
    const u = ch.toUpperCase();
    const a = l === u ? [l] : [l, u];
    alts.push(a);
    if (l.length === 1 && u.length === 1) {
      lo.push(l.charCodeAt(0));
      up.push(u.charCodeAt(0));
    } else {
      simple = false;
    }
  }
  return { alts, simple, lo, up };
}

/** positions reachable after matching units[0..] forward from `start` */
function forwardEnds(alts: string[][], s: string, start: number): number[] {
  let positions = [start];
  for (const a of alts) {
    const next: number[] = [];
    for (const p of positions) {
      for (const alt of a) {
        if (s.startsWith(alt, p)) {
          const q = p + alt.length;
          if (!next.includes(q)) next.push(q);
        }
      }
    }
    if (next.length === 0) return next;
    positions = next;
  }
  return positions;
}

/** true when units[] can be matched backwards so that they end exactly at s.length */
function backwardMatch(alts: string[][], s: string): boolean {
  let positions = [s.length];
  for (let k = alts.length - 1; k >= 0; k--) {
    const next: number[] = [];
    for (const p of positions) {
      for (const alt of alts[k]) {
        const q = p - alt.length;
        if (q >= 0 && s.startsWith(alt, q) && !next.includes(q)) next.push(q);
      }
    }
    if (next.length === 0) return false;
    positions = next;
  }
  return true;
}

export function equalsIgnoreCase(pattern: string): StringTest {
  const u = compileUnits(pattern);
  if (u.simple) {
    const { lo, up } = u;
    const n = lo.length;
    return (s) => {
      if (s.length !== n) return false;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c !== lo[i] && c !== up[i]) return false;
      }
      return true;
    };
  }
  const { alts } = u;
  return (s) => forwardEnds(alts, s, 0).includes(s.length);
}

export function prefixIgnoreCase(pattern: string): StringTest {
  const u = compileUnits(pattern);
  if (u.simple) {
    const { lo, up } = u;
    const n = lo.length;
    return (s) => {
      if (s.length < n) return false;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c !== lo[i] && c !== up[i]) return false;
      }
      return true;
    };
  }
  const { alts } = u;
  return (s) => forwardEnds(alts, s, 0).length > 0;
}

export function suffixIgnoreCase(pattern: string): StringTest {
  const u = compileUnits(pattern);
  if (u.simple) {
    const { lo, up } = u;
    const n = lo.length;
    return (s) => {
      const off = s.length - n;
      if (off < 0) return false;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(off + i);
        if (c !== lo[i] && c !== up[i]) return false;
      }
      return true;
    };
  }
  const { alts } = u;
  return (s) => backwardMatch(alts, s);
}
