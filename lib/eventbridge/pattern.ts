/**
 * EventBridge event patterns: compiler and matcher.
 *
 * `compilePattern(pattern)` validates a pattern (a JSON string, as `DescribeRule`/`ListRules`
 * return it, or an object) exactly as EventBridge does and compiles it once into closures;
 * `matches(event)` then tests an event (the envelope EventBridge builds: `version`, `id`,
 * `detail-type`, `source`, `account`, `time`, `region`, `resources`, `detail`) without
 * serialising it.
 *
 * Semantics follow aws/event-ruler, the matcher inside EventBridge (see
 * shared/reference/protocols.md §4.5):
 *
 * - A pattern mirrors the event's nesting; every leaf is a non-empty array of conditions that
 *   are ORed; fields are ANDed. Dotted keys (`"state.status"`) are nested keys.
 * - `$or` (≥ 2 objects) at any level is expanded into sub-rules like event-ruler does (the
 *   product of the alternatives; more than 1000 combinations is rejected). When a field path
 *   occurs more than once in one sub-rule the later one in the pattern text wins. A `$or`
 *   that does not qualify as one (not an array, fewer than 2 objects, a reserved word as a
 *   field name inside it) makes event-ruler fall back to treating `"$or"` as an ordinary field
 *   name; this compiler does the same.
 * - Event arrays are "crushed": a condition matches if any element matches. Fields inside
 *   objects in arrays must all match within the same array element (array consistency).
 * - `exists: false` holds when the path has no leaf value. Inside arrays of objects it is
 *   judged against the array elements already fixed by fields that sort before it
 *   (event-ruler checks fields in lexical order of their paths): alone, or before its
 *   siblings, it fails if any element has the field; after a sibling that fixed the element,
 *   only that element counts.
 * - Events are read as JSON.stringify would write them: plain objects as they are, other
 *   objects through `toJSON()` when they have one (Date, CloudEvent classes), `undefined`
 *   and functions as absent. Keys containing dots in the *event* are not split (event-ruler
 *   would also match `{"state.status": …}` against `state → status`; its README says not to
 *   rely on that).
 *
 * Evaluation: the pattern is compiled twice. A direct evaluator walks the pattern as written
 * ($or unexpanded) and answers in three-valued logic; it is exact as long as no array sits
 * where the pattern has an object, which is the common case. Otherwise (or when a field path
 * repeats inside one sub-rule) the expanded sub-rules decide, each a tree that picks one array
 * element for all fields below it.
 */

import { equalsIgnoreCase, prefixIgnoreCase, suffixIgnoreCase, type StringTest } from "./case-fold";
import { ipToHex, looksLikeIp, parseCidr, parseIp, bytesToHex, type IpRange } from "./cidr";
import { isComparableNumber, rangeTest, type NumberTest, type NumericRange } from "./numeric";
import { InvalidPatternError, type InvalidPatternRule } from "./pattern-errors";
import { parsePatternJson, patternFromValue, type JArray, type JNode, type JObject } from "./pattern-json";
import { parseWildcard, wildcardTest, WildcardSyntaxError } from "./wildcard";

export { InvalidPatternError } from "./pattern-errors";
export type { InvalidPatternRule } from "./pattern-errors";

/** A pattern: its JSON text (as EventBridge stores it) or the parsed object. */
export type EventPattern = string | Record<string, unknown>;

export interface CompiledPattern {
  /** true when the event (an object, or its JSON text) matches the pattern */
  matches(event: unknown): boolean;
  /** number of `$or` combinations (sub-rules) the pattern expands to; 1 without `$or` */
  readonly combinations: number;
}

export interface CompileOptions {
  /**
   * `auto` (default): evaluate the pattern as written and use the expanded `$or` sub-rules only
   * when an event has arrays where the pattern has objects. `expanded`: always evaluate the
   * expanded sub-rules (same results, slower; for testing the two against each other).
   */
  evaluation?: "auto" | "expanded";
}

/** AWS rejects patterns whose `$or` expansion exceeds this many combinations. */
export const MAX_OR_COMBINATIONS = 1000;

/** Words event-ruler reserves: they cannot be field names anywhere inside a `$or`. */
const RESERVED_IN_OR = new Set([
  "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard", "numeric", "cidr",
  "html", "=", "<", "<=", ">", ">=", "regex", "not-wildcard", "not-equals-ignore-case", "date-after",
  "date-on-or-after", "date-before", "date-on-or-before", "in-date-range", "ip-address-in-range",
  "ip-address-not-in-range",
]);

// ---------------------------------------------------------------------------------------------
// Conditions (one per element of a leaf array)

type Cond =
  | { k: "str"; v: string } // exact string (also `exactly`)
  | { k: "ip"; hex: string } // exact string that is an IP address literal: compared as an address
  | { k: "num"; v: number }
  | { k: "lit"; v: boolean | null }
  | { k: "prefix"; v: string }
  | { k: "suffix"; v: string }
  | { k: "strTest"; test: StringTest; always?: boolean } // equals-ignore-case, prefix/suffix ignore case, wildcard
  | { k: "range"; r: NumericRange }
  | { k: "cidr"; r: IpRange }
  | { k: "exists"; v: boolean }
  | { k: "notStr"; set: Set<string> } // anything-but strings
  | { k: "notNum"; set: Set<number> } // anything-but numbers
  | { k: "notStrTest"; tests: StringTest[] }; // anything-but prefix/suffix/equals-ignore-case/wildcard

interface LeafDef {
  segs: string[];
  key: string;
  order: number;
  hasPositive: boolean;
  hasAbsence: boolean;
  /** test of one leaf value (string, number, boolean, null) against the positive conditions */
  test: (v: unknown) => boolean;
}

/** `rel`: the key's own path segments (a dotted key is several) */
type Item =
  | { kind: "leaf"; leaf: LeafDef; rel: string[] }
  | { kind: "object"; obj: PObject; rel: string[] }
  | { kind: "or"; branches: PObject[] };
interface PObject {
  items: Item[];
}

class Fail extends InvalidPatternError {}

function fail(where: string, rule: InvalidPatternRule, reason: string): never {
  throw new Fail(where, rule, reason);
}

const fmt = (n: JNode): string => {
  switch (n.t) {
    case "string": return JSON.stringify(n.v);
    case "number": return n.raw;
    case "boolean": return String(n.v);
    case "null": return "null";
    case "array": return "an array";
    case "object": return "an object";
  }
};

// ---------------------------------------------------------------------------------------------
// Parsing a pattern tree into items, validating every rule

interface ParseCtx {
  orMode: boolean;
  order: number;
  sawOr: boolean;
}

function joinWhere(where: string, key: string): string {
  return where === "" ? key : `${where}.${key}`;
}

function parseObject(ctx: ParseCtx, obj: JObject, segs: string[], where: string, insideOr: boolean): PObject {
  if (obj.entries.length === 0) fail(where, "empty-object", where === "" ? "the pattern must not be an empty object" : "empty objects are not allowed");
  const items: Item[] = [];
  for (const [key, val] of obj.entries) {
    const here = joinWhere(where, key);
    if (key === "$or") ctx.sawOr = true;
    if (ctx.orMode && key === "$or") {
      if (val.t !== "array") fail(here, "or-syntax", "$or must be followed by an array of objects");
      const branches: PObject[] = [];
      val.items.forEach((b, i) => {
        const bw = `${here}[${i}]`;
        if (b.t !== "object") fail(bw, "or-syntax", `only objects are allowed in a $or array, found ${fmt(b)}`);
        branches.push(parseObject(ctx, b, segs, bw, true));
      });
      if (branches.length < 2) fail(here, "or-syntax", `$or needs at least 2 objects, found ${branches.length}`);
      items.push({ kind: "or", branches });
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      fail(here, "or-reserved-field", `"${key}" is a reserved word and cannot be a field name inside $or`);
    }
    const rel = key.split(".");
    const childSegs = segs.concat(rel);
    if (val.t === "object") {
      items.push({ kind: "object", obj: parseObject(ctx, val, childSegs, here, insideOr), rel });
    } else if (val.t === "array") {
      items.push({ kind: "leaf", leaf: parseLeaf(ctx, val, childSegs, here), rel });
    } else {
      fail(here, "field-value", `"${key}" must be an object or an array, found ${fmt(val)}`);
    }
  }
  return { items };
}

function parseLeaf(ctx: ParseCtx, arr: JArray, segs: string[], where: string): LeafDef {
  const conds: Cond[] = [];
  arr.items.forEach((item, i) => {
    const w = `${where}[${i}]`;
    switch (item.t) {
      case "object":
        conds.push(parseMatchExpression(item, w));
        break;
      case "string": {
        const ip = looksLikeIp(item.v) ? parseIp(item.v) : null;
        conds.push(ip === null ? { k: "str", v: item.v } : { k: "ip", hex: bytesToHex(ip) });
        break;
      }
      case "number":
        conds.push({ k: "num", v: item.v });
        break;
      case "boolean":
        conds.push({ k: "lit", v: item.v });
        break;
      case "null":
        conds.push({ k: "lit", v: null });
        break;
      case "array":
        fail(w, "match-value", "match values must be strings, numbers, true, false, null or match expressions, found an array");
    }
  });
  if (conds.length === 0) fail(where, "empty-array", "empty arrays are not allowed");
  return {
    segs,
    key: segs.join("."),
    order: ctx.order++,
    hasPositive: conds.some((c) => c.k !== "exists" || c.v),
    hasAbsence: conds.some((c) => c.k === "exists" && !c.v),
    test: buildLeafTest(conds),
  };
}

function comparable(where: string, n: JNode & { t: "number" }): number {
  if (!isComparableNumber(n.raw)) {
    fail(where, "numeric-value", `cannot compare number ${n.raw}: it is not exactly representable as a double`);
  }
  return n.v;
}

function stringOperand(where: string, op: string, v: JNode): string {
  if (v.t !== "string") fail(where, "operand-type", `${op} match pattern must be a string, found ${fmt(v)}`);
  return v.v;
}

function onlyOneKey(where: string, obj: JObject, what = "match expression"): void {
  if (obj.entries.length > 1) {
    fail(where, "match-expression-keys", `only one key allowed in a ${what}, found ${obj.entries.map(([k]) => JSON.stringify(k)).join(", ")}`);
  }
}

function wildcardOperand(where: string, text: string, prefix = ""): StringTest {
  try {
    return wildcardTest(parseWildcard(text));
  } catch (e) {
    if (e instanceof WildcardSyntaxError) {
      fail(where, e.kind === "consecutive" ? "wildcard-consecutive" : "wildcard-escape", `${prefix}wildcard ${JSON.stringify(text)}: ${e.message}`);
    }
    throw e;
  }
}

function ignoreCaseModifier(where: string, op: "prefix" | "suffix", inner: JObject): Cond {
  if (inner.entries.length === 0) fail(where, "unsupported-modifier", `${op} expression is empty: expected {"equals-ignore-case": "…"}`);
  const [mod, val] = inner.entries[0];
  if (mod !== "equals-ignore-case") fail(where, "unsupported-modifier", `unsupported ${op} pattern: ${JSON.stringify(mod)} (only equals-ignore-case)`);
  const text = stringOperand(where, `${op} equals-ignore-case`, val);
  onlyOneKey(where, inner);
  return { k: "strTest", test: op === "prefix" ? prefixIgnoreCase(text) : suffixIgnoreCase(text), always: text === "" };
}

function parseMatchExpression(obj: JObject, where: string): Cond {
  if (obj.entries.length === 0) {
    fail(where, "match-expression-empty", "match expression is empty: expected one operator such as prefix, numeric or anything-but");
  }
  const [op, val] = obj.entries[0];
  const w = `${where}.${op}`;
  let cond: Cond;
  switch (op) {
    case "exactly":
      cond = { k: "str", v: stringOperand(w, op, val) };
      break;
    case "prefix":
    case "suffix":
      if (val.t === "object") {
        cond = ignoreCaseModifier(w, op, val);
      } else {
        const text = stringOperand(w, op, val);
        cond = { k: op, v: text };
      }
      break;
    case "equals-ignore-case":
      cond = { k: "strTest", test: equalsIgnoreCase(stringOperand(w, op, val)) };
      break;
    case "wildcard": {
      const text = stringOperand(w, op, val);
      cond = { k: "strTest", test: wildcardOperand(w, text), always: text === "*" };
      break;
    }
    case "numeric":
      cond = { k: "range", r: parseNumeric(w, val) };
      break;
    case "anything-but":
      cond = parseAnythingBut(w, val);
      break;
    case "exists":
      if (val.t !== "boolean") fail(w, "exists", `exists match pattern must be either true or false, found ${fmt(val)}`);
      cond = { k: "exists", v: val.v };
      break;
    case "cidr": {
      const text = stringOperand(w, op, val);
      try {
        cond = { k: "cidr", r: parseCidr(text) };
      } catch (e) {
        fail(w, "cidr", (e as Error).message);
      }
      break;
    }
    default:
      fail(where, "unknown-operator", `unrecognized match type ${JSON.stringify(op)}`);
  }
  onlyOneKey(where, obj);
  return cond;
}

const NUMERIC_OPS = new Set(["=", "<", "<=", ">", ">="]);

function parseNumeric(where: string, val: JNode): NumericRange {
  if (val.t !== "array") fail(where, "numeric", `value of numeric must be an array, found ${fmt(val)}`);
  const items = val.items;
  if (items.length === 0) fail(where, "numeric", "numeric array is empty: expected an operator and a number");
  const op = items[0];
  if (op.t !== "string") fail(`${where}[0]`, "numeric", `invalid member in numeric match: ${fmt(op)} (expected an operator)`);
  if (!NUMERIC_OPS.has(op.v)) fail(`${where}[0]`, "numeric", `unrecognized numeric operator ${JSON.stringify(op.v)} (expected =, <, <=, > or >=)`);
  const operand = (i: number, name: string): number => {
    const n = items[i];
    if (n === undefined || n.t !== "number") {
      fail(`${where}[${i}]`, "numeric", `value of ${name} must be numeric, found ${n === undefined ? "nothing" : fmt(n)}`);
    }
    return comparable(`${where}[${i}]`, n);
  };
  const first = operand(1, op.v);
  if (op.v === "=" || op.v === "<" || op.v === "<=") {
    if (items.length > 2) {
      fail(where, "numeric", op.v === "="
        ? 'too many elements in numeric expression: "=" takes exactly one number'
        : `too many elements in numeric expression: "${op.v}" is an upper bound and must come last (write the lower bound first, e.g. [">", 0, "${op.v}", 10])`);
    }
    if (op.v === "=") return { lo: first, loOpen: false, hi: first, hiOpen: false };
    return { lo: -Infinity, loOpen: false, hi: first, hiOpen: op.v === "<" };
  }
  // lower bound, optionally followed by an upper bound
  const loOpen = op.v === ">";
  if (items.length === 2) return { lo: first, loOpen, hi: Infinity, hiOpen: false };
  const op2 = items[2];
  if (op2.t !== "string") fail(`${where}[2]`, "numeric", `bad value in numeric range: ${fmt(op2)} (expected "<" or "<=")`);
  if (op2.v !== "<" && op2.v !== "<=") {
    fail(`${where}[2]`, "numeric", `bad numeric range operator ${JSON.stringify(op2.v)}: a lower bound must be followed by "<" or "<="`);
  }
  const second = operand(3, op2.v);
  if (items.length > 4) fail(where, "numeric", "too many terms in numeric range expression: at most a lower and an upper bound");
  if (!(first < second)) fail(where, "numeric-range", `bottom must be less than top (${items[1].t === "number" ? items[1].raw : first} >= ${items[3].t === "number" ? items[3].raw : second})`);
  return { lo: first, loOpen, hi: second, hiOpen: op2.v === "<" };
}

function parseAnythingBut(where: string, val: JNode): Cond {
  if (val.t === "object") {
    if (val.entries.length === 0) fail(where, "anything-but", "anything-but expression is empty: expected prefix, suffix, equals-ignore-case or wildcard");
    const [mod, inner] = val.entries[0];
    const w = `${where}.${mod}`;
    if (mod !== "prefix" && mod !== "suffix" && mod !== "equals-ignore-case" && mod !== "wildcard") {
      fail(w, "anything-but", `unsupported anything-but pattern: ${JSON.stringify(mod)} (expected prefix, suffix, equals-ignore-case or wildcard)`);
    }
    let values: JNode[];
    if (inner.t === "array") values = inner.items;
    else if (inner.t === "string") values = [inner];
    else fail(w, "anything-but", `value of anything-but ${mod} must be a string or an array of strings, found ${fmt(inner)}`);
    const tests: StringTest[] = [];
    values.forEach((v, i) => {
      const vw = inner.t === "array" ? `${w}[${i}]` : w;
      if (v.t !== "string") fail(vw, "anything-but-list", `anything-but ${mod} values must be strings, found ${fmt(v)}`);
      const text = v.v;
      switch (mod) {
        case "prefix":
          if (text === "") fail(vw, "anything-but", "empty anything-but prefix is not allowed");
          tests.push((s) => s.startsWith(text));
          break;
        case "suffix":
          if (text === "") fail(vw, "anything-but", "empty anything-but suffix is not allowed");
          tests.push((s) => s.endsWith(text));
          break;
        case "equals-ignore-case":
          tests.push(equalsIgnoreCase(text));
          break;
        case "wildcard":
          tests.push(wildcardOperand(vw, text, "anything-but "));
          break;
      }
    });
    onlyOneKey(where, val, "anything-but expression");
    return { k: "notStrTest", tests };
  }
  if (val.t === "string") return { k: "notStr", set: new Set([val.v]) };
  if (val.t === "number") return { k: "notNum", set: new Set([comparable(where, val)]) };
  if (val.t !== "array") {
    fail(where, "anything-but", `value of anything-but must be a string, a number, an array of strings or numbers, or an object, found ${fmt(val)}`);
  }
  const strs = new Set<string>();
  const nums = new Set<number>();
  val.items.forEach((v, i) => {
    if (v.t === "string") strs.add(v.v);
    else if (v.t === "number") nums.add(comparable(`${where}[${i}]`, v));
    else fail(`${where}[${i}]`, "anything-but-list", `anything-but lists may contain only strings or only numbers, found ${fmt(v)}`);
  });
  const hasStr = val.items.some((v) => v.t === "string");
  const hasNum = val.items.some((v) => v.t === "number");
  if (hasStr === hasNum) {
    fail(where, "anything-but-list", hasStr
      ? "anything-but lists must be all strings or all numbers, not mixed"
      : "anything-but list must not be empty");
  }
  return hasStr ? { k: "notStr", set: strs } : { k: "notNum", set: nums };
}

// ---------------------------------------------------------------------------------------------
// Compiling a leaf's conditions into one test of a leaf value

const TRUE = (): boolean => true;
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

function buildLeafTest(conds: Cond[]): (v: unknown) => boolean {
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

// ---------------------------------------------------------------------------------------------
// $or expansion

function countCombinations(obj: PObject): number {
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

type SubRule = Map<string, LeafDef>;

interface Expansion {
  rules: SubRule[];
  /** some field path occurs more than once in one sub-rule (the later one won) */
  overrides: boolean;
}

function expand(root: PObject): Expansion {
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
    let rules: SubRule[] = [new Map<string, LeafDef>()];
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

// ---------------------------------------------------------------------------------------------
// Matching one sub-rule: a tree following the event's nesting

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

const PROTO_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));
// eslint-disable-next-line @typescript-eslint/unbound-method -- only ever called as hasOwn.call(o, key)
const hasOwn = Object.prototype.hasOwnProperty;

function getField(o: object, key: string): unknown {
  if (PROTO_KEYS.has(key) && !hasOwn.call(o, key)) return undefined;
  return (o as Record<string, unknown>)[key];
}

function makeGetter(key: string): (o: object) => unknown {
  if (PROTO_KEYS.has(key)) return (o) => (hasOwn.call(o, key) ? (o as Record<string, unknown>)[key] : undefined);
  return (o) => (o as Record<string, unknown>)[key];
}

const OBJECT_PROTOTYPE = Object.prototype;

/**
 * JSON view of an object: toJSON() applied once, as JSON.stringify does (Date, CloudEvent
 * classes…). Plain objects (parsed JSON, object literals) are taken as they are.
 */
function jsonView(v: object): unknown {
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === OBJECT_PROTOTYPE || proto === null) return v;
  const f = (v as { toJSON?: unknown }).toJSON;
  return typeof f === "function" ? (f as () => unknown).call(v) : v;
}

/** does `v` (the value at a path) contain a leaf value? */
function isLeafy(v: unknown): boolean {
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
function hasLeafAt(v: unknown, segs: string[], i: number): boolean {
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

function anyLeaf(test: (v: unknown) => boolean, arr: unknown[]): boolean {
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

function buildTree(rule: SubRule): TNode {
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

type ValueMatcher = (v: unknown) => boolean;
type Check = (o: object | undefined) => boolean;

/** does the (present) value at a leaf path have a leaf value passing `test`? */
function leafValueMatches(test: (v: unknown) => boolean, v: unknown): boolean {
  if (typeof v !== "object" || v === null) return test(v);
  if (Array.isArray(v)) return anyLeaf(test, v);
  const j = jsonView(v);
  if (j === v || (typeof j === "object" && j !== null && !Array.isArray(j))) return false; // an object: no leaf here
  return Array.isArray(j) ? anyLeaf(test, j) : test(j);
}

function compileLeaf(t: TLeaf, stack: unknown[]): ValueMatcher {
  const test = t.leaf.test;
  const matchPresent = (v: unknown): boolean => leafValueMatches(test, v);
  if (!t.mixed) return (v) => v !== undefined && matchPresent(v);
  const d = t.absDepth;
  const rest = t.leaf.segs.slice(d);
  return (v) => (v !== undefined && matchPresent(v)) || !hasLeafAt(stack[d], rest, 0);
}

function compileNode(n: TNode, stack: unknown[]): ValueMatcher {
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

// ---------------------------------------------------------------------------------------------
// Fast path: the pattern tree as written, $or unexpanded, three-valued.
//
// While no array sits where the pattern expects an object, every field path has one value and
// array consistency cannot come into play, so evaluating the pattern directly (AND of fields,
// OR of $or branches) gives exactly the sub-rule result. Meeting such an array the fast path
// answers UNKNOWN for that part (Kleene logic keeps definite answers definite: false AND
// unknown is false) and only an UNKNOWN overall result goes to the expanded sub-rules. Not used
// when a field path occurs twice in one sub-rule (the later-wins override needs the expansion).

const NO = 0;
const YES = 1;
const UNKNOWN = 2;
type Tri = 0 | 1 | 2;
type FastCheck = (o: object) => Tri;

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
    if (Array.isArray(j)) return UNKNOWN_VALUE;
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
      const child = compileFastObject(it.obj);
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

// ---------------------------------------------------------------------------------------------
// Entry point

function parseTree(ast: JNode, orMode: boolean): { root: PObject; sawOr: boolean } {
  if (ast.t !== "object") fail("", "not-object", `a pattern must be a JSON object, found ${fmt(ast)}`);
  const ctx: ParseCtx = { orMode, order: 0, sawOr: false };
  const root = parseObject(ctx, ast, [], "", false);
  return { root, sawOr: ctx.sawOr };
}

/**
 * Compile an EventBridge event pattern. Throws `InvalidPatternError` for any pattern
 * EventBridge rejects.
 */
export function compilePattern(pattern: EventPattern | object, options: CompileOptions = {}): CompiledPattern {
  let ast: JNode;
  if (typeof pattern === "string") ast = parsePatternJson(pattern);
  else if (typeof pattern === "object" && pattern !== null) ast = patternFromValue(pattern);
  else throw new InvalidPatternError("", "not-object", `a pattern must be a JSON object or its JSON text, found ${pattern === null ? "null" : typeof pattern}`);

  let root: PObject;
  try {
    root = parseTree(ast, true).root;
  } catch (first) {
    // event-ruler: when the $or-aware compiler rejects a pattern, the legacy compiler (where
    // "$or" is an ordinary field name) gets a chance; the pattern is valid if that accepts it.
    if (!(first instanceof Fail)) throw first;
    let fallback: PObject | undefined;
    try {
      const r = parseTree(ast, false);
      if (r.sawOr) fallback = r.root;
    } catch {
      /* report the first error */
    }
    if (fallback === undefined) throw new InvalidPatternError(first.path, first.rule, first.reason);
    root = fallback;
  }

  const combinations = countCombinations(root);
  if (combinations > MAX_OR_COMBINATIONS) {
    throw new InvalidPatternError("", "or-combinations", `the $or expansion of this pattern has more than ${MAX_OR_COMBINATIONS} combinations`);
  }
  const stack: unknown[] = [];
  const expansion = expand(root);
  const matchers = expansion.rules.map((rule) => compileNode(buildTree(rule), stack));
  const exact: ValueMatcher =
    matchers.length === 1
      ? matchers[0]
      : (ev) => {
          for (let i = 0; i < matchers.length; i++) if (matchers[i](ev)) return true;
          return false;
        };
  const fast = expansion.overrides || options.evaluation === "expanded" ? undefined : compileFastObject(root);
  const matchRoot: ValueMatcher =
    fast === undefined
      ? exact
      : (ev) => {
          const r = fast(ev as object);
          return r === UNKNOWN ? exact(ev) : r === YES;
        };

  return {
    combinations,
    matches(event: unknown): boolean {
      let ev = event;
      if (typeof ev === "string") ev = JSON.parse(ev) as unknown;
      if (typeof ev !== "object" || ev === null) return false;
      ev = jsonView(ev);
      if (typeof ev !== "object" || ev === null || Array.isArray(ev)) return false;
      return matchRoot(ev);
    },
  };
}
