/** Validation and defaults for `vcenter-in` settings (flow JSON is a public interface). */
import type { PayloadEncoding, VsphereFormat } from "./cloudevent";

export type DeliveryMode = "acknowledged" | "sent";

export interface VcenterInSettings {
  eventTypes: string[];
  format: VsphereFormat;
  payloadEncoding: PayloadEncoding;
  checkpointStore: string;
  /** seconds */
  checkpointPeriod: number;
  /** seconds */
  maxAge: number;
  delivery: DeliveryMode;
  /** delivery "acknowledged": events in the flow not yet handled, before reading pauses */
  maxInFlight: number;
}

export const VCENTER_IN_DEFAULTS = {
  format: "vsphere" as VsphereFormat,
  payloadEncoding: "json" as PayloadEncoding,
  checkpointPeriod: 10,
  maxAge: 86_400,
  delivery: "acknowledged" as DeliveryMode,
  maxInFlight: 1000,
};

export interface VcenterInConfig {
  eventTypes?: unknown;
  format?: unknown;
  payloadEncoding?: unknown;
  checkpointStore?: unknown;
  checkpointPeriod?: unknown;
  maxAge?: unknown;
  delivery?: unknown;
  maxInFlight?: unknown;
}

/** Event class names / eventTypeIds: a list, or text separated by commas, spaces or new lines. */
export function parseEventTypes(v: unknown): string[] {
  const items = Array.isArray(v) ? v : typeof v === "string" ? v.split(/[\s,]+/) : v == null ? [] : [v];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== "string") throw new Error(`event type ${JSON.stringify(item)} is not text`);
    const t = item.trim();
    if (t === "") continue;
    if (!/^[A-Za-z_][\w.\-]*$/.test(t)) throw new Error(`"${t}" is not an event class or eventTypeId`);
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[], dflt: T): T {
  if (v === undefined || v === null || v === "") return dflt;
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  throw new Error(`${name} must be one of ${allowed.join(", ")} (got ${JSON.stringify(v)})`);
}

function seconds(name: string, v: unknown, dflt: number, min: number): number {
  if (v === undefined || v === null || v === "") return dflt;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number of seconds ≥ ${min} (got ${JSON.stringify(v)})`);
  return n;
}

function wholeNumber(name: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined || v === null || v === "") return dflt;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`);
  }
  return n;
}

export function parseSettings(c: VcenterInConfig): VcenterInSettings {
  const store = c.checkpointStore;
  if (store !== undefined && store !== null && typeof store !== "string") throw new Error("checkpointStore must be a context store name");
  return {
    eventTypes: parseEventTypes(c.eventTypes),
    format: oneOf("format", c.format, ["vsphere", "router"] as const, VCENTER_IN_DEFAULTS.format),
    payloadEncoding: oneOf("payloadEncoding", c.payloadEncoding, ["json", "xml"] as const, VCENTER_IN_DEFAULTS.payloadEncoding),
    checkpointStore: typeof store === "string" ? store.trim() : "",
    checkpointPeriod: seconds("checkpointPeriod", c.checkpointPeriod, VCENTER_IN_DEFAULTS.checkpointPeriod, 1),
    maxAge: seconds("maxAge", c.maxAge, VCENTER_IN_DEFAULTS.maxAge, 0),
    delivery: oneOf("delivery", c.delivery, ["acknowledged", "sent"] as const, VCENTER_IN_DEFAULTS.delivery),
    maxInFlight: wholeNumber("maxInFlight", c.maxInFlight, VCENTER_IN_DEFAULTS.maxInFlight, 1, 100_000),
  };
}
