/**
 * Reading a sink node's settings: flow JSON gives strings or numbers (or nothing, for flows
 * saved by an older version). Every problem becomes a `SinkConfigError` with a sentence the
 * node can show as is.
 */
import { wrapAsCloudEvent } from "../cloudevents/event";

export class SinkConfigError extends Error {
  override readonly name = "SinkConfigError";
}

export interface NumberRule {
  /** the setting's name in the message */
  name: string;
  default: number;
  min: number;
  max: number;
  integer?: boolean;
  /** unit appended in messages, e.g. "s" */
  unit?: string;
}

/** A number setting: blank/absent gives the default; anything else must be a number in range. */
export function numberSetting(value: unknown, rule: NumberRule): number {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return rule.default;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : NaN;
  const unit = rule.unit ? ` ${rule.unit}` : "";
  if (!Number.isFinite(n)) throw new SinkConfigError(`${rule.name} ${JSON.stringify(value)} is not a number`);
  if (rule.integer && !Number.isInteger(n)) throw new SinkConfigError(`${rule.name} must be a whole number (got ${n})`);
  if (n < rule.min || n > rule.max) {
    throw new SinkConfigError(`${rule.name} must be between ${rule.min} and ${rule.max}${unit} (got ${n})`);
  }
  return n;
}

export function booleanSetting(value: unknown): boolean {
  return value === true || value === "true";
}

/**
 * An absolute http:// or https:// URL. User name and password in the URL are refused: they
 * would end up in the flow file; they belong in the node's credentials.
 */
export function httpUrlSetting(value: unknown, name: string, example: string): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (text === "") throw new SinkConfigError(`no ${name} configured (e.g. ${example})`);
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new SinkConfigError(`${name} ${JSON.stringify(text)} is not a URL (e.g. ${example})`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new SinkConfigError(`${name} ${JSON.stringify(text)} must start with http:// or https://`);
  }
  if (u.hostname === "") throw new SinkConfigError(`${name} ${JSON.stringify(text)} has no host`);
  if (u.username !== "" || u.password !== "") {
    throw new SinkConfigError(`${name} must not contain a user name or password: put them in the credentials`);
  }
  return u.href;
}

export const DEFAULT_CE_TYPE = "org.nodered.message";

export interface WrapSettings {
  type: string;
  source: string;
}

/**
 * `type`/`source` for payloads that are not CloudEvents; blank gives the defaults. Checked by
 * building a sample event, so a bad value is reported at deploy time, not per message.
 */
export function wrapSettings(ceType: unknown, ceSource: unknown, defaultSource: string): WrapSettings {
  const type = typeof ceType === "string" && ceType.trim() !== "" ? ceType.trim() : DEFAULT_CE_TYPE;
  const source = typeof ceSource === "string" && ceSource.trim() !== "" ? ceSource.trim() : defaultSource;
  try {
    wrapAsCloudEvent(undefined, { type, source });
  } catch (err) {
    throw new SinkConfigError(`CloudEvent type/source for wrapped payloads: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { type, source };
}
