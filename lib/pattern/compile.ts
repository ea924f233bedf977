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
 *   and functions as absent.
 * - Keys containing dots in the *event* are field paths too, as in event-ruler (which joins
 *   every path with "."): `{"state.status": "x"}` is `state → status`, and when an event has
 *   both spellings both values count (an object under both merges key by key; other values
 *   become a list, so array consistency treats them as separate elements).
 * - IPv4 literals are read with leading zeros as decimal octets (`010.000.000.005` is
 *   10.0.0.5), in `cidr` and in exact IP values alike (lib/pattern/cidr.ts).
 *
 * Evaluation: the pattern is compiled twice. A direct evaluator walks the pattern as written
 * ($or unexpanded) and answers in three-valued logic; it is exact as long as no array sits
 * where the pattern has an object, which is the common case. Otherwise (or when a field path
 * repeats inside one sub-rule) the expanded sub-rules decide, each a tree that picks one array
 * element for all fields below it.
 */

import { InvalidPatternError } from "./errors";
import { countCombinations, expand, MAX_OR_COMBINATIONS } from "./expand";
import { jsonView, undotted } from "./event-view";
import { compileFastEntry, UNKNOWN, YES } from "./fast-path";
import { parsePatternJson, patternFromValue, type JNode } from "./json";
import { Fail, parseTree } from "./parse";
import type { PObject } from "./conditions";
import { buildTree, compileNode, type ValueMatcher } from "./tree";

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
  const fast = expansion.overrides || options.evaluation === "expanded" ? undefined : compileFastEntry(root);
  const matchRoot: ValueMatcher =
    fast === undefined
      ? (ev) => exact(undotted(ev))
      : (ev) => {
          const r = fast(ev as object);
          return r === UNKNOWN ? exact(undotted(ev)) : r === YES;
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
