/**
 * A source's content filter (`filter` on vcenter-in, horizon-in, cloudevent-in): an event pattern
 * in the EventBridge pattern language, matched against the CloudEvent the source sends. Empty
 * text matches every event.
 */
import { compilePattern } from "../eventbridge/pattern";
import type { EventFilter } from "./runner";

export type CompiledFilter = { ok: true; filter: EventFilter | undefined } | { ok: false; error: string };

export function compileFilter(text: unknown): CompiledFilter {
  if (text === undefined || text === null) return { ok: true, filter: undefined };
  if (typeof text !== "string") return { ok: false, error: "the filter must be an event pattern (JSON text)" };
  if (text.trim() === "") return { ok: true, filter: undefined };
  try {
    const p = compilePattern(text);
    return { ok: true, filter: { matches: (ev) => p.matches(ev) } };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
