/**
 * `wildcard` patterns: `*` matches any run of characters (including none and including `/`),
 * `\*` is a literal star, `\\` a literal backslash; any other escape, a trailing backslash and
 * two consecutive unescaped stars are invalid (aws/event-ruler WildcardParser).
 *
 * Matching splits the pattern at its stars into literal pieces: the first piece must be a
 * prefix, the last a suffix, and the middle pieces must occur in order, each searched
 * leftmost. That is exact for star-only globs and runs in O(n·m) at worst: no backtracking,
 * so no pattern can make matching blow up.
 */

import type { StringTest } from "./case-fold";

export interface WildcardPieces {
  /** literal text between stars; `pieces.length - 1` stars */
  pieces: string[];
}

/** Parse; throws an Error naming the rule broken. */
export function parseWildcard(pattern: string): WildcardPieces {
  const pieces: string[] = [];
  let cur = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (pattern[i + 1] === "*") throw new WildcardSyntaxError("consecutive", `consecutive wildcard characters at position ${i}`);
      pieces.push(cur);
      cur = "";
    } else if (c === "\\") {
      const next = pattern[i + 1];
      if (next === "*" || next === "\\") {
        cur += next;
        i++;
      } else {
        throw new WildcardSyntaxError("escape", `invalid escape character at position ${i} (only \\* and \\\\ are allowed)`);
      }
    } else {
      cur += c;
    }
  }
  pieces.push(cur);
  return { pieces };
}

export class WildcardSyntaxError extends Error {
  constructor(readonly kind: "consecutive" | "escape", message: string) {
    super(message);
    this.name = "WildcardSyntaxError";
  }
}

export function wildcardTest(w: WildcardPieces): StringTest {
  const { pieces } = w;
  if (pieces.length === 1) {
    const lit = pieces[0];
    return (s) => s === lit;
  }
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  const middle = pieces.slice(1, -1).filter((p) => p !== "");
  const minLen = first.length + last.length;
  if (middle.length === 0) {
    if (first === "" && last === "") return () => true;
    return (s) => s.length >= minLen && s.startsWith(first) && s.endsWith(last);
  }
  return (s) => {
    if (s.length < minLen || !s.startsWith(first) || !s.endsWith(last)) return false;
    let pos = first.length;
    const end = s.length - last.length;
    for (const piece of middle) {
      const at = s.indexOf(piece, pos);
      if (at < 0 || at + piece.length > end) return false;
      pos = at + piece.length;
    }
    return true;
  };
}
