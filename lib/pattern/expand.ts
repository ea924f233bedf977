/**
 * `$or` expansion into sub-rules, as event-ruler does: the product of the alternatives, each
 * sub-rule a map from field path to leaf; when a path occurs twice in one sub-rule the later
 * one in the pattern text wins.
 */

import type { LeafDef, PObject } from "./conditions";

/** AWS rejects patterns whose `$or` expansion exceeds this many combinations. */
export const MAX_OR_COMBINATIONS = 1000;

export function countCombinations(obj: PObject): number {
  let n = 1;
  for (const it of obj.items) {
    if (it.kind === "object") n *= countCombinations(it.obj);
    else if (it.kind === "or") {
      let s = 0;
      for (const b of it.branches) s += countCombinations(b);
      n *= s;
    }
    if (n > MAX_OR_COMBINATIONS) return MAX_OR_COMBINATIONS + 1;
  }
  return n;
}

export type SubRule = Map<string, LeafDef>;

interface Expansion {
  rules: SubRule[];
  /** some field path occurs more than once in one sub-rule (the later one won) */
  overrides: boolean;
}

export function expand(root: PObject): Expansion {
  let overrides = false;
  const merge = (a: SubRule, b: SubRule): SubRule => {
    const m = new Map(a);
    for (const [k, leaf] of b) {
      const prev = m.get(k);
      if (prev !== undefined) overrides = true;
      if (prev === undefined || prev.order < leaf.order) m.set(k, leaf);
    }
    return m;
  };
  const product = (as: SubRule[], bs: SubRule[]): SubRule[] => {
    const out: SubRule[] = [];
    for (const a of as) for (const b of bs) out.push(merge(a, b));
    return out;
  };
  const rec = (obj: PObject): SubRule[] => {
    let rules: SubRule[] = [new Map() as SubRule];
    for (const it of obj.items) {
      if (it.kind === "leaf") rules = product(rules, [new Map([[it.leaf.key, it.leaf]])]);
      else if (it.kind === "object") rules = product(rules, rec(it.obj));
      else rules = product(rules, it.branches.flatMap(rec));
    }
    return rules;
  };
  const rules = rec(root);
  return { rules, overrides };
}
