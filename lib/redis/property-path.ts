/**
 * Context keys as Node-RED reads them: `a.b[0].c`, `a["b c"]`, `a['x']`. Same grammar and the same
 * get/set semantics as `@node-red/util`'s normalisePropertyExpression / getObjectProperty /
 * setObjectProperty (which the memory and localfilesystem stores use), written here because lib/
 * does not import Node-RED. Differences, on purpose: message cross-references (`a[msg.x]`) and
 * `__proto__` segments are invalid keys, and navigation only follows own properties.
 * test/unit/redis-property-path_spec.js compares both on a table of expressions.
 */

export type PathPart = string | number;

/** An error the runtime recognises as an invalid expression (`code === "INVALID_EXPR"`). */
export class InvalidKeyError extends Error {
  readonly code = "INVALID_EXPR";
  constructor(message: string) {
    super(message);
    this.name = "InvalidKeyError";
  }
}

const DIGITS = /^\d+$/;
const IDENT_START = /[a-z0-9$_]/i;

function invalid(message: string): never {
  throw new InvalidKeyError(`Invalid property expression: ${message}`);
}

function pushPlain(parts: PathPart[], v: string): void {
  parts.push(DIGITS.test(v) ? parseInt(v, 10) : v);
}

/** Splits a key into its parts; throws InvalidKeyError like Node-RED does for a malformed one. */
export function parsePath(str: string): PathPart[] {
  if (typeof str !== "string" || str.length === 0) invalid("zero-length");
  const parts: PathPart[] = [];
  const length = str.length;
  let start = 0;
  let inString = false;
  let inBox = false;
  let quote = "";
  for (let i = 0; i < length; i++) {
    const c = str[i];
    if (inString) {
      if (c !== quote) continue;
      if (i === start) invalid(`zero-length string at position ${start}`);
      parts.push(str.substring(start, i));
      const next = str[i + 1];
      if (inBox && next !== "]") invalid(`unexpected array expression at position ${start}`);
      if (!inBox && i + 1 !== length && next !== "[" && next !== ".") invalid(`unexpected ${next} expression at position ${i + 1}`);
      start = i + 1;
      inString = false;
      continue;
    }
    if (c === "'" || c === '"') {
      if (i !== start) invalid(`unexpected ${c} at position ${i}`);
      inString = true;
      quote = c;
      start = i + 1;
    } else if (c === ".") {
      if (i === 0) invalid("unexpected . at position 0");
      if (start !== i) pushPlain(parts, str.substring(start, i));
      if (i === length - 1) invalid("unterminated expression");
      if (!IDENT_START.test(str[i + 1])) invalid(`unexpected ${str[i + 1]} at position ${i + 1}`);
      start = i + 1;
    } else if (c === "[") {
      if (i === 0) invalid(`unexpected [ at position 0`);
      if (start !== i) parts.push(str.substring(start, i));
      if (i === length - 1) invalid("unterminated expression");
      if (/^msg[.[]/.test(str.substring(i + 1))) invalid(`message references are not context keys (position ${i + 1})`);
      if (!/["'\d]/.test(str[i + 1])) invalid(`unexpected ${str[i + 1]} at position ${i + 1}`);
      start = i + 1;
      inBox = true;
    } else if (c === "]") {
      if (!inBox) invalid(`unexpected ] at position ${i}`);
      if (start !== i) {
        const v = str.substring(start, i);
        if (!DIGITS.test(v)) invalid(`unexpected array expression at position ${start}`);
        parts.push(parseInt(v, 10));
      }
      start = i + 1;
      inBox = false;
    } else if (c === " ") {
      invalid(`unexpected ' ' at position ${i}`);
    }
  }
  if (inBox || inString) invalid("unterminated expression");
  if (start < length) parts.push(str.substring(start));
  if (parts.some((p) => p === "__proto__")) invalid("__proto__ is not a context key");
  return parts;
}

/** The hash field a key lives in: its first part, as text. */
export function topLevelField(parts: readonly PathPart[]): string {
  return String(parts[0]);
}

function isContainer(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

/**
 * The value at parts[1..] below `root` (parts[0] already resolved to `root`); undefined when any
 * step is missing (Node-RED's stores also answer undefined when a parent does not exist).
 */
export function getBelow(root: unknown, parts: readonly PathPart[]): unknown {
  let v = root;
  for (let i = 1; i < parts.length; i++) {
    if (!isContainer(v)) return undefined;
    const k = String(parts[i]);
    if (!Object.hasOwn(v, k)) return undefined;
    v = v[k];
  }
  return v;
}

/**
 * Sets (or, for `undefined`, deletes) the value at parts[1..] below `root` and returns the new
 * root, following setObjectProperty: missing parents are created (an array when the next part is
 * a number) only when setting; a primitive parent stops the write silently; deleting an array
 * element splices it. With a single part the new root is `value` itself.
 */
export function setBelow(root: unknown, parts: readonly PathPart[], value: unknown): unknown {
  if (parts.length === 1) return value;
  const creating = value !== undefined;
  let top: unknown = root;
  if (!isContainer(top)) {
    if (top !== undefined || !creating) return root; // cannot create a property below a primitive
    top = typeof parts[1] === "string" ? {} : [];
  }
  let obj = top as Record<string, unknown>;
  for (let i = 1; i < parts.length - 1; i++) {
    const key = parts[i];
    const k = String(key);
    const next = parts[i + 1];
    if (typeof key === "number" && Array.isArray(obj)) {
      if (obj[key] === undefined) {
        if (!creating) return root;
        obj[key] = typeof next === "string" ? {} : [];
      }
      const child = obj[key] as unknown;
      if (!isContainer(child)) return root;
      obj = child;
      continue;
    }
    if (Object.hasOwn(obj, k)) {
      const child = obj[k];
      if (!isContainer(child)) return root;
      obj = child;
    } else if (creating) {
      const child = typeof next === "string" ? {} : [];
      obj[k] = child;
      obj = child;
    } else {
      return root;
    }
  }
  const last = parts[parts.length - 1];
  if (!creating) {
    if (typeof last === "number" && Array.isArray(obj)) obj.splice(last, 1);
    else delete obj[String(last)];
  } else {
    obj[String(last)] = value;
  }
  return top;
}
