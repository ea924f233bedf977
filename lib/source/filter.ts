/**
 * A source's content filter (`filter` on vcenter-in, horizon-in, cloudevent-in): an event pattern
 * in the EventBridge pattern language, matched against the CloudEvent the source sends. Empty
 * text matches every event (no filter at all). Compiled by lib/pattern/filter.ts, whose matching
 * never throws.
 */
import { compileFilter as compilePatternFilter, PASS_ALL } from "../pattern";
import type { EventFilter } from "./runner";

export type CompiledFilter = { ok: true; filter: EventFilter | undefined } | { ok: false; error: string };

export function compileFilter(text: unknown): CompiledFilter {
  if (text === undefined || text === null) return { ok: true, filter: undefined };
  if (typeof text !== "string") return { ok: false, error: "the filter must be an event pattern (JSON text)" };
  const r = compilePatternFilter(text);
  if (!r.ok) return r;
  return { ok: true, filter: r.filter === PASS_ALL ? undefined : r.filter };
}
