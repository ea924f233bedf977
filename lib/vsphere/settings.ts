/** Validation and defaults for `vcenter-in` settings (flow JSON is a public interface). */
import type { PayloadEncoding, VsphereFormat } from "./cloudevent";
import { contextStoreName, oneOf, seconds, wholeNumber } from "../common/settings";
import { DEFAULT_MAX_IN_FLIGHT } from "../source/types";

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
  maxInFlight: DEFAULT_MAX_IN_FLIGHT,
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
    if (!/^[A-Za-z_][\w.-]*$/.test(t)) throw new Error(`"${t}" is not an event class or eventTypeId`);
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

export function parseSettings(c: VcenterInConfig): VcenterInSettings {
  return {
    eventTypes: parseEventTypes(c.eventTypes),
    format: oneOf("format", c.format, ["vsphere", "router"] as const, VCENTER_IN_DEFAULTS.format),
    payloadEncoding: oneOf("payloadEncoding", c.payloadEncoding, ["json", "xml"] as const, VCENTER_IN_DEFAULTS.payloadEncoding),
    checkpointStore: contextStoreName(c.checkpointStore),
    checkpointPeriod: seconds("checkpointPeriod", c.checkpointPeriod, VCENTER_IN_DEFAULTS.checkpointPeriod, 1),
    maxAge: seconds("maxAge", c.maxAge, VCENTER_IN_DEFAULTS.maxAge, 0),
    delivery: oneOf("delivery", c.delivery, ["acknowledged", "sent"] as const, VCENTER_IN_DEFAULTS.delivery),
    maxInFlight: wholeNumber("maxInFlight", c.maxInFlight, VCENTER_IN_DEFAULTS.maxInFlight, 1, 100_000),
  };
}
