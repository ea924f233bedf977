/**
 * Content filters for sources (`filter` on vcenter-in, horizon-in, cloudevent-in): an event
 * pattern matched against the CloudEvent object itself, so a pattern names `type`, `source`,
 * `data.Vm.Name`, … (`{"data": {"Vm": {"Name": [{"prefix": "prod-"}]}}}`).
 *
 * Compiling never throws: an invalid pattern gives the compiler's message (the place in the
 * pattern and the rule broken), ready for the editor and a red status. Matching never throws
 * either: an event the matcher cannot read (a toJSON that throws, nesting deeper than the
 * stack) passes the filter, so a filter can only ever drop events it positively did not match.
 */

import { compilePattern } from "./compile";
import { InvalidPatternError } from "./errors";

export interface EventFilter {
  /** true when the CloudEvent passes the filter (always true for an empty filter) */
  matches(cloudEvent: object): boolean;
}

export type FilterCompileResult = { ok: true; filter: EventFilter } | { ok: false; error: string };

/** The empty filter: every event passes. */
export const PASS_ALL: EventFilter = Object.freeze({ matches: (): boolean => true });

/**
 * Compile a source filter from its text (JSON of an EventBridge event pattern); empty or
 * whitespace-only text passes everything.
 */
export function compileFilter(text: string): FilterCompileResult {
  if (typeof text !== "string") return { ok: false, error: "a filter must be the JSON text of an event pattern" };
  if (text.trim() === "") return { ok: true, filter: PASS_ALL };
  let matches: (event: unknown) => boolean;
  try {
    const compiled = compilePattern(text);
    matches = (event) => compiled.matches(event);
  } catch (err) {
    if (err instanceof InvalidPatternError) return { ok: false, error: err.message };
    return { ok: false, error: `the filter could not be compiled (${err instanceof Error ? err.message : String(err)})` };
  }
  return {
    ok: true,
    filter: {
      matches(cloudEvent: object): boolean {
        if (typeof cloudEvent !== "object" || cloudEvent === null) return false;
        try {
          return matches(cloudEvent);
        } catch {
          return true; // unreadable: never dropped on a guess (see the module comment)
        }
      },
    },
  };
}
