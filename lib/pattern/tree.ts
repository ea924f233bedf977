/**
 * Matching one `$or`-expanded sub-rule (lib/pattern/expand.ts): a tree following the event's
 * nesting that picks one array element for all fields below it (array consistency), with the
 * `exists: false` rules described in lib/pattern/compile.ts.
 */

import type { LeafDef } from "./conditions";
import type { SubRule } from "./expand";
import { hasLeafAt, jsonView, leafValueMatches, makeGetter } from "./event-view";
import { TRUE } from "./leaf-test";

interface TLeaf {
  leaf: LeafDef;
  /** has exists:false besides positive conditions */
  mixed: boolean;
  /** depth whose current element bounds the absence check (see module comment) */
  absDepth: number;
}

interface TNode {
  depth: number;
  children: Map<string, { leaf?: TLeaf; node?: TNode }>;
  /** pure exists:false leaves checked from this node's value: remaining path segments */
  absences: string[][];
  storeStack: boolean;
}

export function buildTree(rule: SubRule): TNode {
  const root: TNode = { depth: 0, children: new Map(), absences: [], storeStack: false };
  const leaves = [...rule.values()];
  const pinning = leaves.filter((l) => l.hasPositive && !l.hasAbsence);
  const nodeAt = (segs: string[], depth: number): TNode => {
    let n = root;
    for (let d = 0; d < depth; d++) {
      let c = n.children.get(segs[d]);
      if (c === undefined) n.children.set(segs[d], (c = {}));
      if (c.node === undefined) c.node = { depth: d + 1, children: new Map(), absences: [], storeStack: false };
      n = c.node;
    }
    return n;
  };
  const absDepthOf = (leaf: LeafDef): number => {
    const k = leaf.segs.length;
    let j = 0;
    for (const f of pinning) {
      if (!(f.key < leaf.key)) continue;
      let c = 0;
      while (c < f.segs.length && c < k && f.segs[c] === leaf.segs[c]) c++;
      j = Math.max(j, Math.min(c, k - 1, f.segs.length - 1));
    }
    return j;
  };
  // positive and mixed leaves first, so that every node an absence check needs exists
  for (const leaf of leaves) {
    if (!leaf.hasPositive) continue;
    const k = leaf.segs.length;
    const parent = nodeAt(leaf.segs, k - 1);
    let c = parent.children.get(leaf.segs[k - 1]);
    if (c === undefined) parent.children.set(leaf.segs[k - 1], (c = {}));
    const absDepth = leaf.hasAbsence ? absDepthOf(leaf) : 0;
    c.leaf = { leaf, mixed: leaf.hasAbsence, absDepth };
    if (leaf.hasAbsence) nodeAt(leaf.segs, absDepth).storeStack = true;
  }
  for (const leaf of leaves) {
    if (leaf.hasPositive) continue;
    const j = absDepthOf(leaf);
    nodeAt(leaf.segs, j).absences.push(leaf.segs.slice(j));
  }
  return root;
}

/** can the node be satisfied where its path is missing (all its leaves allow absence)? */
function canMatchMissing(n: TNode): boolean {
  for (const c of n.children.values()) {
    if (c.leaf !== undefined && !c.leaf.mixed) return false;
    if (c.node !== undefined && !canMatchMissing(c.node)) return false;
  }
  return true;
}

export type ValueMatcher = (v: unknown) => boolean;
type Check = (o: object | undefined) => boolean;

function compileLeaf(t: TLeaf, stack: unknown[]): ValueMatcher {
  const test = t.leaf.test;
  const matchPresent = (v: unknown): boolean => leafValueMatches(test, v);
  if (!t.mixed) return (v) => v !== undefined && matchPresent(v);
  const d = t.absDepth;
  const rest = t.leaf.segs.slice(d);
  return (v) => (v !== undefined && matchPresent(v)) || !hasLeafAt(stack[d], rest, 0);
}

export function compileNode(n: TNode, stack: unknown[]): ValueMatcher {
  const checks: Check[] = [];
  const nodeChecks: Check[] = [];
  for (const [key, c] of n.children) {
    const get = makeGetter(key);
    const leafFn = c.leaf !== undefined ? compileLeaf(c.leaf, stack) : undefined;
    const nodeFn = c.node !== undefined ? compileNode(c.node, stack) : undefined;
    if (leafFn !== undefined && nodeFn !== undefined) {
      nodeChecks.push((o) => { const v = o === undefined ? undefined : get(o); return leafFn(v) && nodeFn(v); });
    } else if (leafFn !== undefined) {
      checks.push((o) => leafFn(o === undefined ? undefined : get(o)));
    } else if (nodeFn !== undefined) {
      nodeChecks.push((o) => nodeFn(o === undefined ? undefined : get(o)));
    }
  }
  for (const segs of n.absences) checks.push((o) => !hasLeafAt(o, segs, 0));
  const all = anyAll([...checks, ...nodeChecks]);
  const d = n.depth;
  const onObject: Check = n.storeStack ? (o) => { stack[d] = o; return all(o); } : all;
  const missingOk = canMatchMissing(n);

  const element = (e: unknown): boolean => {
    if (typeof e === "object" && e !== null) {
      if (Array.isArray(e)) {
        for (let i = 0; i < e.length; i++) if (element(e[i])) return true;
        return false;
      }
      const j = jsonView(e);
      if (j === e) return onObject(e);
      return typeof j === "object" && j !== null && !Array.isArray(j) ? onObject(j) : missingOk && onObject(undefined);
    }
    return missingOk && onObject(undefined);
  };

  return (v) => {
    if (typeof v === "object" && v !== null) {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (element(v[i])) return true;
        return missingOk && onObject(undefined);
      }
      return element(v);
    }
    return missingOk && onObject(undefined);
  };
}

function anyAll(checks: Check[]): Check {
  switch (checks.length) {
    case 0: return TRUE;
    case 1: return checks[0];
    case 2: { const [a, b] = checks; return (o) => a(o) && b(o); }
    case 3: { const [a, b, c] = checks; return (o) => a(o) && b(o) && c(o); }
    case 4: { const [a, b, c, d] = checks; return (o) => a(o) && b(o) && c(o) && d(o); }
    default:
      return (o) => {
        for (let i = 0; i < checks.length; i++) if (!checks[i](o)) return false;
        return true;
      };
  }
}
