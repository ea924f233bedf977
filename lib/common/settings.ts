/**
 * Reading node settings as flow JSON has them: numbers may arrive as text, blank or absent
 * means "default" (flows saved by an older version). Every problem is a `ConfigError` whose
 * message names the setting and shows the value, a sentence the node can show as is.
 */

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "string" && v.trim() === "");
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
  if (blank(value)) return rule.default;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : NaN;
  const unit = rule.unit ? ` ${rule.unit}` : "";
  if (!Number.isFinite(n)) throw new ConfigError(`${rule.name} ${JSON.stringify(value)} is not a number`);
  if (rule.integer && !Number.isInteger(n)) throw new ConfigError(`${rule.name} must be a whole number (got ${n})`);
  if (n < rule.min || n > rule.max) {
    throw new ConfigError(`${rule.name} must be between ${rule.min} and ${rule.max}${unit} (got ${n})`);
  }
  return n;
}

/** Seconds, at least `min`; blank gives the default. */
export function seconds(name: string, v: unknown, dflt: number, min: number): number {
  if (v === undefined || v === null || v === "") return dflt;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(n) || n < min) throw new ConfigError(`${name} must be a number of seconds ≥ ${min} (got ${JSON.stringify(v)})`);
  return n;
}

/** A whole number from `min` to `max`; blank gives the default. */
export function wholeNumber(name: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined || v === null || v === "") return dflt;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`);
  }
  return n;
}

export function booleanSetting(value: unknown): boolean {
  return value === true || value === "true";
}

/** One of `allowed`; blank gives the default. */
export function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[], dflt: T): T {
  if (v === undefined || v === null || v === "") return dflt;
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  throw new ConfigError(`${name} must be one of ${allowed.join(", ")} (got ${JSON.stringify(v)})`);
}

/**
 * An absolute http:// or https:// URL. User name and password in the URL are refused: they
 * would end up in the flow file; they belong in the node's credentials.
 */
export function httpUrlSetting(value: unknown, name: string, example: string): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (text === "") throw new ConfigError(`no ${name} configured (e.g. ${example})`);
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new ConfigError(`${name} ${JSON.stringify(text)} is not a URL (e.g. ${example})`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new ConfigError(`${name} ${JSON.stringify(text)} must start with http:// or https://`);
  }
  if (u.hostname === "") throw new ConfigError(`${name} ${JSON.stringify(text)} has no host`);
  if (u.username !== "" || u.password !== "") {
    throw new ConfigError(`${name} must not contain a user name or password: put them in the credentials`);
  }
  return u.href;
}

/** A context store name; "" = the default store. */
export function contextStoreName(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new ConfigError("checkpointStore must be a context store name");
  return v.trim();
}
