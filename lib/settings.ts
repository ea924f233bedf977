/**
 * Validation of node settings as they come from flow JSON (numbers may arrive as text, blank
 * means "default"). Every error names the setting and shows the value.
 */

export function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[], dflt: T): T {
  if (v === undefined || v === null || v === "") return dflt;
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  throw new Error(`${name} must be one of ${allowed.join(", ")} (got ${JSON.stringify(v)})`);
}

export function seconds(name: string, v: unknown, dflt: number, min: number): number {
  if (v === undefined || v === null || v === "") return dflt;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number of seconds ≥ ${min} (got ${JSON.stringify(v)})`);
  return n;
}

export function wholeNumber(name: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined || v === null || v === "") return dflt;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`);
  }
  return n;
}

/** A context store name; "" = the default store. */
export function contextStoreName(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new Error("checkpointStore must be a context store name");
  return v.trim();
}
