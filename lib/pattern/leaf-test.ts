/**
 * Compiling a leaf's conditions (lib/pattern/conditions.ts) into one test of a leaf value:
 * strings, numbers, booleans and null each get one precomputed predicate.
 */

import type { StringTest } from "./case-fold";
import { ipToHex, type IpRange } from "./cidr";
import type { Cond } from "./conditions";
import { rangeTest, type NumberTest } from "./numeric";

export const TRUE = (): boolean => true;
const FALSE = (): boolean => false;

function anyOf<T>(preds: Array<(x: T) => boolean>): (x: T) => boolean {
  switch (preds.length) {
    case 0: return FALSE;
    case 1: return preds[0];
    case 2: { const [a, b] = preds; return (x) => a(x) || b(x); }
    case 3: { const [a, b, c] = preds; return (x) => a(x) || b(x) || c(x); }
    default:
      return (x) => {
        for (let i = 0; i < preds.length; i++) if (preds[i](x)) return true;
        return false;
      };
  }
}

function startsWithAny(list: string[]): StringTest {
  if (list.length === 1) { const p = list[0]; return (s) => s.startsWith(p); }
  return (s) => { for (const p of list) if (s.startsWith(p)) return true; return false; };
}

function endsWithAny(list: string[]): StringTest {
  if (list.length === 1) { const p = list[0]; return (s) => s.endsWith(p); }
  return (s) => { for (const p of list) if (s.endsWith(p)) return true; return false; };
}

export function buildLeafTest(conds: Cond[]): (v: unknown) => boolean {
  let strAlways = false;
  let numAlways = false;
  let tRes = false;
  let fRes = false;
  let nullRes = false;
  const strExact = new Set<string>();
  const ipExact = new Set<string>();
  const ipRanges: IpRange[] = [];
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  const strPreds: StringTest[] = [];
  const numExact = new Set<number>();
  const numPreds: NumberTest[] = [];
  const anythingButNonString = (): void => { numAlways = true; tRes = fRes = nullRes = true; };

  for (const c of conds) {
    switch (c.k) {
      case "str": strExact.add(c.v); break;
      case "ip": ipExact.add(c.hex); break;
      case "num": numExact.add(c.v); break;
      case "lit":
        if (c.v === true) tRes = true;
        else if (c.v === false) fRes = true;
        else nullRes = true;
        break;
      case "prefix": if (c.v === "") strAlways = true; else prefixes.push(c.v); break;
      case "suffix": if (c.v === "") strAlways = true; else suffixes.push(c.v); break;
      case "strTest": if (c.always) strAlways = true; else strPreds.push(c.test); break;
      case "range": numPreds.push(rangeTest(c.r)); break;
      case "cidr": ipRanges.push(c.r); break;
      case "exists":
        if (c.v) { strAlways = numAlways = true; tRes = fRes = nullRes = true; }
        break;
      case "notStr": {
        const set = c.set;
        strPreds.push(set.size === 1 ? ((x) => (s: string) => s !== x)([...set][0]) : (s) => !set.has(s));
        anythingButNonString();
        break;
      }
      case "notNum": {
        const set = c.set;
        numPreds.push((x) => !set.has(x));
        strAlways = true;
        tRes = fRes = nullRes = true;
        break;
      }
      case "notStrTest": {
        const t = anyOf(c.tests);
        strPreds.push((s) => !t(s));
        anythingButNonString();
        break;
      }
    }
  }

  let strFn: StringTest;
  if (strAlways) {
    strFn = TRUE;
  } else {
    const preds: StringTest[] = [];
    if (strExact.size === 1) { const x = [...strExact][0]; preds.push((s) => s === x); }
    else if (strExact.size > 1) preds.push((s) => strExact.has(s));
    if (prefixes.length > 0) preds.push(startsWithAny(prefixes));
    if (suffixes.length > 0) preds.push(endsWithAny(suffixes));
    preds.push(...strPreds);
    if (ipExact.size > 0 || ipRanges.length > 0) {
      preds.push((s) => {
        const h = ipToHex(s);
        if (h === null) return false;
        if (ipExact.has(h)) return true;
        for (const r of ipRanges) if (h.length === r.lo.length && h >= r.lo && h <= r.hi) return true;
        return false;
      });
    }
    strFn = anyOf(preds);
  }

  let numFn: NumberTest;
  if (numAlways) {
    numFn = TRUE;
  } else {
    const preds: NumberTest[] = [];
    if (numExact.size === 1) { const x = [...numExact][0]; preds.push((n) => n === x); }
    else if (numExact.size > 1) preds.push((n) => numExact.has(n));
    preds.push(...numPreds);
    numFn = anyOf(preds);
  }

  return (v) => {
    switch (typeof v) {
      case "string": return strFn(v);
      case "number": return v === v && v !== Infinity && v !== -Infinity ? numFn(v) : nullRes; // NaN/±Infinity are JSON null
      case "boolean": return v ? tRes : fRes;
      case "object": return v === null && nullRes;
      case "bigint": return numFn(Number(v));
      default: return false;
    }
  };
}
