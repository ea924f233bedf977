/**
 * Nesting depth of JSON received from peers. Node-RED clones a message for every wire after the
 * first (lodash.clonedeep, recursive), and other nodes recurse through `msg.payload` too: a
 * deeply nested value from a peer would overflow the stack far from where it entered. Every
 * path that takes JSON from outside rejects values nested deeper than `MAX_JSON_DEPTH`.
 *
 * Both checks are iterative (no recursion of their own) and linear in the input.
 */

/**
 * Deepest nesting of objects and arrays accepted from a peer. Real vSphere events nest about
 * 12 levels in JSON (a ConfigSpec's device changes), Horizon audit events about 3; cloning
 * 64 levels costs a few hundred stack frames, far from the limit.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests objects/arrays deeper than `max`, read from the text itself (before
 * parsing; strings are skipped, so brackets inside them do not count). Malformed text is not
 * judged here: the parser rejects it.
 */
export function jsonTextTooDeep(text: string | Uint8Array, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  const isString = typeof text === "string";
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = isString ? text.charCodeAt(i) : text[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * Whether a value nests objects/arrays deeper than `max` (a value already parsed, or built by
 * a converter). A value that refers to itself counts as too deep (its path never ends).
 */
export function valueTooDeep(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== "object") return false;
  const stack: [object, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [object, number];
    if (d > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) {
      if (c !== null && typeof c === "object") stack.push([c as object, d + 1]);
    }
  }
  return false;
}
