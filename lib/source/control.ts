/** Checking control messages' arguments (msg.from / msg.to of a replay). */

/**
 * A time as a control message gives it: an ISO 8601 / RFC 3339 text, or epoch milliseconds (a
 * number or decimal text). Returns epoch ms; throws with the field's name for anything else.
 */
export function parseTime(name: string, value: unknown): number {
  let ms: number;
  if (typeof value === "number") ms = value;
  else if (typeof value === "string" && /^\d{1,16}$/.test(value.trim())) ms = Number(value.trim());
  else if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value.trim())) ms = Date.parse(value.trim());
  else if (value instanceof Date) ms = value.getTime();
  else throw new Error(`msg.${name} must be an ISO time (2026-12-01T22:00:00Z) or epoch milliseconds, not ${describe(value)}`);
  if (!Number.isFinite(ms) || ms < 0 || ms > 8.64e15) throw new Error(`msg.${name} is not a valid time: ${describe(value)}`);
  return ms;
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? v.slice(0, 60) + "…" : v);
  if (v === undefined) return "missing";
  try {
    return JSON.stringify(v)?.slice(0, 60) ?? String(v);
  } catch {
    return typeof v;
  }
}

/** A replay's range from msg.from (required) and msg.to (default: now), as ISO texts. */
export function parseReplayRange(from: unknown, to: unknown, now: number): { from: string; to: string } {
  const f = parseTime("from", from);
  if (f > now) throw new Error(`msg.from (${new Date(f).toISOString()}) is in the future`);
  const t = to === undefined || to === null || to === "" ? now : parseTime("to", to);
  if (f >= t) throw new Error(`msg.from (${new Date(f).toISOString()}) must be before msg.to (${new Date(t).toISOString()})`);
  return { from: new Date(f).toISOString(), to: new Date(t).toISOString() };
}
