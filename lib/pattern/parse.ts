/**
 * Parsing a pattern's JSON tree into items (lib/pattern/conditions.ts), validating every rule
 * EventBridge checks; a broken rule throws InvalidPatternError naming the place in the pattern.
 */

import { equalsIgnoreCase, prefixIgnoreCase, suffixIgnoreCase, type StringTest } from "./case-fold";
import { looksLikeIp, parseCidr, parseIp, bytesToHex } from "./cidr";
import type { Cond, Item, LeafDef, PObject } from "./conditions";
import { InvalidPatternError, type InvalidPatternRule } from "./errors";
import type { JArray, JNode, JObject } from "./json";
import { buildLeafTest } from "./leaf-test";
import { isComparableNumber, type NumericRange } from "./numeric";
import { parseWildcard, wildcardTest, WildcardSyntaxError } from "./wildcard";

/** Words event-ruler reserves: they cannot be field names anywhere inside a `$or`. */
const RESERVED_IN_OR = new Set([
  "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard", "numeric", "cidr",
  "html", "=", "<", "<=", ">", ">=", "regex", "not-wildcard", "not-equals-ignore-case", "date-after",
  "date-on-or-after", "date-before", "date-on-or-before", "in-date-range", "ip-address-in-range",
  "ip-address-not-in-range",
]);

export class Fail extends InvalidPatternError {}

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

export function parseTree(ast: JNode, orMode: boolean): { root: PObject; sawOr: boolean } {
  if (ast.t !== "object") fail("", "not-object", `a pattern must be a JSON object, found ${fmt(ast)}`);
  const ctx: ParseCtx = { orMode, order: 0, sawOr: false };
  const root = parseObject(ctx, ast, [], "", false);
  return { root, sawOr: ctx.sawOr };
}

