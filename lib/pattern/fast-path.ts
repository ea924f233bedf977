/**
 * Fast path: the pattern tree as written, $or unexpanded, three-valued.
 *
 * While no array sits where the pattern expects an object, every field path has one value and
 * array consistency cannot come into play, so evaluating the pattern directly (AND of fields,
 * OR of $or branches) gives exactly the sub-rule result. Meeting such an array the fast path
 * answers UNKNOWN for that part (Kleene logic keeps definite answers definite: false AND
 * unknown is false) and only an UNKNOWN overall result goes to the expanded sub-rules. Not used
 * when a field path occurs twice in one sub-rule (the later-wins override needs the expansion).
 */

import type { PObject } from "./conditions";
import { hasDottedKey, isLeafy, jsonView, leafValueMatches, makeGetter } from "./event-view";

export const NO = 0;
export const YES = 1;
export const UNKNOWN = 2;
export type Tri = 0 | 1 | 2;
export type FastCheck = (o: object) => Tri;

const EMPTY: object = Object.freeze({});

/** value at segs below o; UNKNOWN_VALUE when an array is met on the way */
const UNKNOWN_VALUE = Symbol("unknown");

function walk(o: object, segs: string[], gets: Array<(o: object) => unknown>): unknown {
  let v: unknown = gets[0](o);
  for (let i = 1; i < segs.length; i++) {
    if (typeof v !== "object" || v === null) return undefined;
    if (Array.isArray(v)) return UNKNOWN_VALUE;
    const j = jsonView(v);
    if (typeof j !== "object" || j === null) return undefined;
    if (Array.isArray(j) || hasDottedKey(j)) return UNKNOWN_VALUE;
    v = gets[i](j);
  }
  return v;
}

function compileFastObject(obj: PObject): FastCheck {
  const leafChecks: FastCheck[] = [];
  const objChecks: FastCheck[] = [];
  const orChecks: FastCheck[] = [];
  for (const it of obj.items) {
    if (it.kind === "or") {
      const branches = it.branches.map(compileFastObject);
      orChecks.push((o) => {
        let r: Tri = NO;
        for (let i = 0; i < branches.length; i++) {
          const b = branches[i](o);
          if (b === YES) return YES;
          if (b === UNKNOWN) r = UNKNOWN;
        }
        return r;
      });
      continue;
    }
    // leaf and object items: relative path = the segments of this key
    const leaf = it.kind === "leaf" ? it.leaf : undefined;
    const segs = it.rel;
    const gets = segs.map(makeGetter);
    const single = segs.length === 1 ? gets[0] : undefined;
    const valueOf = single !== undefined ? single : (o: object): unknown => walk(o, segs, gets);
    if (leaf !== undefined) {
      const test = leaf.test;
      const pos = leaf.hasPositive;
      const abs = leaf.hasAbsence;
      leafChecks.push((o) => {
        const v = valueOf(o);
        if (v === UNKNOWN_VALUE) return UNKNOWN;
        if (pos && v !== undefined && leafValueMatches(test, v)) return YES;
        return abs && !isLeafy(v) ? YES : NO;
      });
    } else if (it.kind === "object") {
      const child = compileFastEntry(it.obj);
      objChecks.push((o) => {
        const v = valueOf(o);
        if (typeof v === "object" && v !== null) {
          if (Array.isArray(v)) return UNKNOWN;
          const j = jsonView(v);
          if (typeof j === "object" && j !== null) return Array.isArray(j) ? UNKNOWN : child(j);
          return child(EMPTY);
        }
        return v === UNKNOWN_VALUE ? UNKNOWN : child(EMPTY);
      });
    }
  }
  const checks = [...leafChecks, ...objChecks, ...orChecks];
  const n = checks.length;
  if (n === 1) return checks[0];
  return (o) => {
    let r: Tri = YES;
    for (let i = 0; i < n; i++) {
      const c = checks[i](o);
      if (c === NO) return NO;
      if (c === UNKNOWN) r = UNKNOWN;
    }
    return r;
  };
}

/**
 * The fast check of an object the event is entered at (the root, a nested pattern object): an
 * event object with a dotted key is UNKNOWN (lib/pattern/event-view.ts: undotted).
 */
export function compileFastEntry(obj: PObject): FastCheck {
  const check = compileFastObject(obj);
  return (o) => (hasDottedKey(o) ? UNKNOWN : check(o));
}
