/**
 * Reading an event as JSON.stringify would write it (lib/pattern/compile.ts explains the
 * semantics): own fields only for names Object.prototype has, toJSON() applied once, undefined
 * and functions absent (null inside arrays).
 */

const PROTO_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(object, key)
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
  o = getField(o, segs[i]);
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

// ---------------------------------------------------------------------------------------------
// Event keys containing dots. event-ruler flattens an event into field paths joined with ".",
// so `{"a.b": "x"}` and `{"a": {"b": "x"}}` are the same field `a.b` (and both values count
// when an event has both spellings). The evaluators walk objects key by key, so an event with
// such keys is first rewritten into the nested spelling.

/** does the object have an enumerable key containing a dot? */
export function hasDottedKey(o: object): boolean {
  for (const k in o) if (k.indexOf(".") !== -1) return true;
  return false;
}

const isAbsent = (v: unknown): boolean => v === undefined || typeof v === "function" || typeof v === "symbol";

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

/** two values at the same field path: objects merge key by key, anything else becomes a list */
function mergeValues(a: unknown, b: unknown): unknown {
  const plainA = typeof a === "object" && a !== null && !Array.isArray(a);
  const plainB = typeof b === "object" && b !== null && !Array.isArray(b);
  if (!plainA || !plainB) return [...asList(a), ...asList(b)];
  const out = Object.create(null) as Record<string, unknown>;
  for (const src of [a, b]) {
    for (const k of Object.keys(src)) {
      const v = (src as Record<string, unknown>)[k];
      if (isAbsent(v)) continue;
      out[k] = hasOwn.call(out, k) ? mergeValues(out[k], v) : v;
    }
  }
  return out;
}

function undottedArray(arr: unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < arr.length; i++) {
    const e = arr[i];
    const n = rewrite(e);
    if (n !== e && out === undefined) out = arr.slice(0, i);
    if (out !== undefined) out.push(n);
  }
  return out ?? arr;
}

function undottedObject(o: object): object {
  let changed = false;
  const keys = Object.keys(o);
  const vals = new Array<unknown>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const v = (o as Record<string, unknown>)[keys[i]];
    const n = rewrite(v);
    vals[i] = n;
    if (n !== v || keys[i].indexOf(".") !== -1) changed = true;
  }
  if (!changed) return o;
  const out = Object.create(null) as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    let v = vals[i];
    if (isAbsent(v)) continue;
    const segs = keys[i].split(".");
    for (let s = segs.length - 1; s > 0; s--) {
      const wrap = Object.create(null) as Record<string, unknown>;
      wrap[segs[s]] = v;
      v = wrap;
    }
    const k = segs[0];
    out[k] = hasOwn.call(out, k) ? mergeValues(out[k], v) : v;
  }
  return out;
}

/**
 * The value with every dotted key split into nested objects (the value itself when it has
 * none anywhere). Objects are read through their JSON view.
 */
export function undotted(v: unknown): unknown {
  return anyDottedKey(v) ? rewrite(v) : v;
}

function rewrite(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return undottedArray(v);
  const j = jsonView(v);
  if (typeof j !== "object" || j === null) return j;
  return Array.isArray(j) ? undottedArray(j) : undottedObject(j);
}

/** is there a dotted key anywhere in the value? (no allocation for plain data) */
function anyDottedKey(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (anyDottedKey(v[i])) return true;
    return false;
  }
  const j = jsonView(v);
  if (j !== v) return anyDottedKey(j);
  for (const k in v) {
    if (k.indexOf(".") !== -1 || anyDottedKey((v as Record<string, unknown>)[k])) return true;
  }
  return false;
}
