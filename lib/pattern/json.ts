/**
 * The pattern as a small JSON syntax tree.
 *
 * EventBridge reads a pattern with a streaming JSON parser: object members keep their order,
 * duplicate keys are all seen (the later one wins for the same field path, but `{"a":{"b":…},
 * "a":{"c":…}}` keeps both `a.b` and `a.c`), and number literals keep their text. `JSON.parse`
 * loses all three, so pattern strings go through this strict RFC 8259 parser instead. Pattern
 * objects are converted member by member.
 */

import { InvalidPatternError } from "./errors";

export type JNode = JObject | JArray | JString | JNumber | JBool | JNull;
export interface JObject { t: "object"; entries: Array<[string, JNode]> }
export interface JArray { t: "array"; items: JNode[] }
export interface JString { t: "string"; v: string }
/** `raw` is the literal as written (or `String(v)` for a pattern given as an object) */
export interface JNumber { t: "number"; v: number; raw: string }
export interface JBool { t: "boolean"; v: boolean }
export interface JNull { t: "null" }

/** Same nesting limit as Jackson's default StreamReadConstraints. */
const MAX_DEPTH = 1000;

function syntax(msg: string): never {
  throw new InvalidPatternError("", "json-syntax", `pattern is not valid JSON: ${msg}`);
}

export function parsePatternJson(text: string): JNode {
  let i = 0;
  const n = text.length;

  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };

  const where = (): string => (i < n ? `unexpected ${JSON.stringify(text[i])} at offset ${i}` : "unexpected end of input");

  const parseString = (): string => {
    // text[i] === '"'
    i++;
    let out = "";
    let start = i;
    for (;;) {
      if (i >= n) syntax("unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) syntax(`control character in string at offset ${i}`);
      if (c === 0x5c) {
        out += text.slice(start, i);
        i++;
        if (i >= n) syntax("unterminated string");
        const e = text[i];
        switch (e) {
          case '"': out += '"'; break;
          case "\\": out += "\\"; break;
          case "/": out += "/"; break;
          case "b": out += "\b"; break;
          case "f": out += "\f"; break;
          case "n": out += "\n"; break;
          case "r": out += "\r"; break;
          case "t": out += "\t"; break;
          case "u": {
            const hex = text.slice(i + 1, i + 5);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) syntax(`bad \\u escape at offset ${i - 1}`);
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            syntax(`bad escape \\${e} at offset ${i - 1}`);
        }
        i++;
        start = i;
        continue;
      }
      i++;
    }
  };

  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

  const parseValue = (depth: number): JNode => {
    if (depth > MAX_DEPTH) syntax(`nesting deeper than ${MAX_DEPTH}`);
    ws();
    if (i >= n) syntax("unexpected end of input");
    const c = text[i];
    if (c === "{") {
      i++;
      const entries: Array<[string, JNode]> = [];
      ws();
      if (text[i] === "}") {
        i++;
        return { t: "object", entries };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') syntax(`expected a member name, ${where()}`);
        const key = parseString();
        ws();
        if (text[i] !== ":") syntax(`expected ':', ${where()}`);
        i++;
        entries.push([key, parseValue(depth + 1)]);
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "}") { i++; return { t: "object", entries }; }
        syntax(`expected ',' or '}', ${where()}`);
      }
    }
    if (c === "[") {
      i++;
      const items: JNode[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return { t: "array", items };
      }
      for (;;) {
        items.push(parseValue(depth + 1));
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "]") { i++; return { t: "array", items }; }
        syntax(`expected ',' or ']', ${where()}`);
      }
    }
    if (c === '"') return { t: "string", v: parseString() };
    if (text.startsWith("true", i)) { i += 4; return { t: "boolean", v: true }; }
    if (text.startsWith("false", i)) { i += 5; return { t: "boolean", v: false }; }
    if (text.startsWith("null", i)) { i += 4; return { t: "null" }; }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m !== null && m[0].length > 0 && m[0] !== "-") {
      i += m[0].length;
      return { t: "number", v: Number(m[0]), raw: m[0] };
    }
    return syntax(where());
  };

  const root = parseValue(0);
  ws();
  if (i < n) syntax(`trailing content, ${where()}`);
  return root;
}

/**
 * Convert a pattern given as a JavaScript value. Follows JSON.stringify: members whose value is
 * `undefined`, a function or a symbol are left out; `toJSON()` is honoured. Anything that has
 * no JSON form (non-finite numbers, bigint, cycles) is rejected.
 */
export function patternFromValue(value: unknown, depth = 0): JNode {
  if (depth > MAX_DEPTH) syntax(`nesting deeper than ${MAX_DEPTH} (cyclic object?)`);
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case "string":
      return { t: "string", v: value };
    case "number":
      if (!Number.isFinite(value)) syntax(`${String(value)} is not a JSON number`);
      return { t: "number", v: value, raw: String(value) };
    case "boolean":
      return { t: "boolean", v: value };
    case "object": {
      if (value === null) return { t: "null" };
      if (Array.isArray(value)) {
        return {
          t: "array",
          items: value.map((x) =>
            x === undefined || typeof x === "function" || typeof x === "symbol" ? { t: "null" } : patternFromValue(x, depth + 1),
          ),
        };
      }
      const entries: Array<[string, JNode]> = [];
      for (const key of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
        entries.push([key, patternFromValue(v, depth + 1)]);
      }
      return { t: "object", entries };
    }
    default:
      return syntax(`a ${typeof value} has no JSON form`);
  }
}
