/**
 * Reading an event as JSON.stringify would write it (lib/pattern/compile.ts explains the
 * semantics): own fields only for names Object.prototype has, toJSON() applied once, undefined
 * and functions absent (null inside arrays).
 */

const PROTO_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));
const hasOwn = Object.prototype.hasOwnProperty;

export function getField(o: object, key: string): unknown {
  if (PROTO_KEYS.has(key) && !hasOwn.call(o, key)) return undefined;
  return (o as Record<string, unknown>)[key];
}

export function makeGetter(key: string): (o: object) => unknown {
  if (PROTO_KEYS.has(key)) return (o) => (hasOwn.call(o, key) ? (o as Record<string, unknown>)[key] : undefined);
  return (o) => (o as Record<string, unknown>)[key];
}

const OBJECT_PROTOTYPE = Object.prototype;

/**
 * JSON view of an object: toJSON() applied once, as JSON.stringify does (Date, CloudEvent
 * classes…). Plain objects (parsed JSON, object literals) are taken as they are.
 */
export function jsonView(v: object): unknown {
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === OBJECT_PROTOTYPE || proto === null) return v;
  const f = (v as { toJSON?: unknown }).toJSON;
  return typeof f === "function" ? (f as () => unknown).call(v) : v;
}

/** does `v` (the value at a path) contain a leaf value? */
export function isLeafy(v: unknown): boolean {
  switch (typeof v) {
    case "undefined": case "function": case "symbol": return false;
    case "object": {
      if (v === null) return true;
      if (Array.isArray(v)) {
        for (const e of v) {
          if (e === undefined || typeof e === "function" || typeof e === "symbol") return true; // JSON null
          if (isLeafy(e)) return true;
        }
        return false;
      }
      const j = jsonView(v);
      return j !== v && (j === null || typeof j !== "object" || Array.isArray(j)) ? isLeafy(j) : false;
    }
    default: return true;
  }
}

/** is there a leaf value at segs[i..] below `v`, any array element counting? */
export function hasLeafAt(v: unknown, segs: string[], i: number): boolean {
  if (i === segs.length) return isLeafy(v);
  if (typeof v !== "object" || v === null) return false;
  if (Array.isArray(v)) {
    for (const e of v) if (hasLeafAt(e, segs, i)) return true;
    return false;
  }
  let o = jsonView(v);
  if (o !== v) {
    if (Array.isArray(o)) {
      for (const e of o) if (hasLeafAt(e, segs, i)) return true;
      return false;
    }
    if (typeof o !== "object" || o === null) return false;
  }
  o = getField(o as object, segs[i]);
  return hasLeafAt(o, segs, i + 1);
}

export function anyLeaf(test: (v: unknown) => boolean, arr: unknown[]): boolean {
  for (let i = 0; i < arr.length; i++) {
    const e = arr[i];
    if (typeof e === "object" && e !== null) {
      if (Array.isArray(e)) {
        if (anyLeaf(test, e)) return true;
      } else {
        const j = jsonView(e);
        if (j !== e && (typeof j !== "object" || j === null) && test(j)) return true;
      }
    } else if (e === undefined || typeof e === "function" || typeof e === "symbol") {
      if (test(null)) return true;
    } else if (test(e)) {
      return true;
    }
  }
  return false;
}

/** does the (present) value at a leaf path have a leaf value passing `test`? */
export function leafValueMatches(test: (v: unknown) => boolean, v: unknown): boolean {
  if (typeof v !== "object" || v === null) return test(v);
  if (Array.isArray(v)) return anyLeaf(test, v);
  const j = jsonView(v);
  if (j === v || (typeof j === "object" && j !== null && !Array.isArray(j))) return false; // an object: no leaf here
  return Array.isArray(j) ? anyLeaf(test, j) : test(j);
}
