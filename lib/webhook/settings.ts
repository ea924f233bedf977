/**
 * Validation and defaults for `cloudevent-in` settings (flow JSON is a public interface).
 */
import { wholeNumber } from "../common/settings";

export type WebhookDelivery = "sent" | "acknowledged";

export interface WebhookSettings {
  /** normalized endpoint path: leading `/`, no trailing `/`, never `/` itself */
  path: string;
  /** `sent`: 202 once the events are in the flow; `acknowledged`: 200/500 once the flow has finished with them */
  delivery: WebhookDelivery;
  /** largest request body accepted, bytes */
  maxBodySize: number;
  /** the whole body must arrive within this time, ms (slow senders get 408) */
  readTimeoutMs: number;
  /** delivery `acknowledged`: answer 504 when the flow has not finished within this time, ms */
  responseTimeoutMs: number;
  /**
   * Events in the flow at once. Delivery `acknowledged`: events not yet finished, before requests
   * get 429; a batch must fit in the free room as a whole. Delivery `sent`: the largest batch
   * taken (a larger one gets 429).
   */
  maxInFlight: number;
  /** most events in one batch (a larger batch gets 413) */
  maxBatchSize: number;
  /** origins allowed by the webhook validation handshake; empty = any (`*`) */
  allowedOrigins: string[];
}

export const WEBHOOK_DEFAULTS = {
  delivery: "sent" as WebhookDelivery,
  maxBodySize: 1024 * 1024,
  readTimeoutMs: 30_000,
  responseTimeoutMs: 30_000,
  maxInFlight: 1000,
  maxBatchSize: 1000,
};

/** Largest `maxBodySize` accepted (the runtime holds a whole body in memory). */
export const MAX_BODY_SIZE_LIMIT = 256 * 1024 * 1024;

export interface WebhookConfig {
  path?: unknown;
  delivery?: unknown;
  maxBodySize?: unknown;
  readTimeout?: unknown;
  responseTimeout?: unknown;
  maxInFlight?: unknown;
  maxBatchSize?: unknown;
  allowedOrigins?: unknown;
}

// RFC 3986 pchar without percent-encoding: unreserved / sub-delims / ":" / "@"
const SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/;

/**
 * Normalize and validate an endpoint path: a leading `/` is added, trailing ones removed;
 * segments are RFC 3986 characters (no `%`, spaces, `?` or `#`), no empty, `.` or `..` segments;
 * `/` alone is refused (the endpoint would swallow every route). Matching is case-insensitive,
 * like Express and Node-RED's `http in`, so the key is lower-cased.
 */
export function normalizePath(value: unknown): string {
  if (typeof value !== "string") throw new Error("path must be text");
  let p = value.trim();
  if (p === "") throw new Error("path is required");
  if (!p.startsWith("/")) p = "/" + p;
  while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  if (p === "/") throw new Error('path must not be "/" (the endpoint would take every route)');
  if (p.length > 1024) throw new Error("path is longer than 1024 characters");
  for (const seg of p.slice(1).split("/")) {
    if (seg === "") throw new Error(`path ${JSON.stringify(p)} has an empty segment ("//")`);
    if (seg === "." || seg === "..") throw new Error(`path ${JSON.stringify(p)} has a "${seg}" segment`);
    if (!SEGMENT.test(seg)) {
      throw new Error(
        `path ${JSON.stringify(p)} may only contain letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @ between slashes`,
      );
    }
  }
  return p.toLowerCase();
}

/**
 * First path segments of Node-RED's editor and admin API (and of its core nodes' admin routes).
 * With `httpAdminRoot` equal to `httpNodeRoot` the editor app sees every request first, so an
 * endpoint there would never be reached, and CloudEvents sent to it could reach the admin API.
 */
export const EDITOR_PATH_SEGMENTS: ReadonlySet<string> = new Set([
  "auth", "comms", "context", "core", "credentials", "debug", "diagnostics", "flow", "flows", "icons", "inject",
  "library", "locales", "nodes", "plugins", "projects", "red", "resources", "settings", "theme", "types", "vendor",
]);

/** Whether a normalized endpoint path is taken by the editor when both roots are the same. */
export function collidesWithEditor(path: string): boolean {
  const first = path.slice(1).split("/")[0] ?? "";
  return EDITOR_PATH_SEGMENTS.has(first);
}

/**
 * The lookup key of a request path (the part after the mount point, without the query), or
 * undefined when it cannot be one of ours: percent-decoded once, lower-cased, trailing `/` removed.
 */
export function requestPathKey(rawPath: string): string | undefined {
  let p = rawPath;
  const q = p.indexOf("?");
  if (q >= 0) p = p.slice(0, q);
  if (p.indexOf("%") >= 0) {
    try {
      p = decodeURIComponent(p);
    } catch {
      return undefined;
    }
  }
  while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p.toLowerCase();
}

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?\s*$/i;
const UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** A size: a number of bytes, or text such as `1mb`, `512 KB`, `65536` (units are powers of 1024). */
export function parseSize(name: string, v: unknown, dflt: number): number {
  if (v === undefined || v === null || v === "") return dflt;
  let bytes: number;
  if (typeof v === "number") bytes = v;
  else if (typeof v === "string") {
    const m = SIZE.exec(v);
    if (m === null) throw new Error(`${name} must be a size such as 1mb, 512kb or 65536 (got ${JSON.stringify(v)})`);
    bytes = Number(m[1]) * (UNITS[(m[2] ?? "b").toLowerCase()] ?? 1);
  } else throw new Error(`${name} must be a size such as 1mb (got ${JSON.stringify(v)})`);
  bytes = Math.floor(bytes);
  if (!Number.isFinite(bytes) || bytes < 1 || bytes > MAX_BODY_SIZE_LIMIT) {
    throw new Error(`${name} must be between 1 byte and 256mb (got ${JSON.stringify(v)})`);
  }
  return bytes;
}

function seconds(name: string, v: unknown, dfltMs: number, min: number, max: number): number {
  if (v === undefined || v === null || v === "") return dfltMs;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new Error(`${name} must be a number of seconds from ${min} to ${max} (got ${JSON.stringify(v)})`);
  }
  return Math.round(n * 1000);
}

/** Origins for the webhook handshake: a list or text separated by commas/spaces; `*` or empty = any. */
export function parseOrigins(v: unknown): string[] {
  const items = Array.isArray(v) ? v : typeof v === "string" ? v.split(/[\s,]+/) : v == null ? [] : [v];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== "string") throw new Error(`allowed origin ${JSON.stringify(item)} is not text`);
    const o = item.trim().toLowerCase();
    if (o === "") continue;
    if (o === "*") return [];
    if (!/^[a-z0-9.:[\]_-]+$/.test(o)) throw new Error(`"${item}" is not an origin host name (e.g. eventemitter.example.com)`);
    if (!out.includes(o)) out.push(o);
  }
  return out;
}

export function parseWebhookSettings(c: WebhookConfig): WebhookSettings {
  const delivery = c.delivery === undefined || c.delivery === null || c.delivery === "" ? WEBHOOK_DEFAULTS.delivery : c.delivery;
  if (delivery !== "sent" && delivery !== "acknowledged") {
    throw new Error(`delivery must be one of sent, acknowledged (got ${JSON.stringify(c.delivery)})`);
  }
  return {
    path: normalizePath(c.path),
    delivery,
    maxBodySize: parseSize("maxBodySize", c.maxBodySize, WEBHOOK_DEFAULTS.maxBodySize),
    readTimeoutMs: seconds("readTimeout", c.readTimeout, WEBHOOK_DEFAULTS.readTimeoutMs, 0.1, 3600),
    responseTimeoutMs: seconds("responseTimeout", c.responseTimeout, WEBHOOK_DEFAULTS.responseTimeoutMs, 0.1, 3600),
    maxInFlight: wholeNumber("maxInFlight", c.maxInFlight, WEBHOOK_DEFAULTS.maxInFlight, 1, 100_000),
    maxBatchSize: wholeNumber("maxBatchSize", c.maxBatchSize, WEBHOOK_DEFAULTS.maxBatchSize, 1, 100_000),
    allowedOrigins: parseOrigins(c.allowedOrigins),
  };
}

/** Where a `cloudevent-in` listens: Node-RED's HTTP server (no port), or a port of its own. */
export interface ListenerSettings {
  /** undefined: Node-RED's HTTP server (`httpNodeRoot`) */
  port?: number;
  /** bind address for a port of its own; undefined = all interfaces */
  host?: string;
}

const HOST = /^[A-Za-z0-9.:%_-]{1,253}$/;

/** `port` (empty = Node-RED's server; 1-65535) and `host` (empty = all interfaces; a name or an IP address). */
export function parseListenerSettings(c: { port?: unknown; host?: unknown }): ListenerSettings {
  const out: ListenerSettings = {};
  const p = typeof c.port === "string" ? c.port.trim() : c.port;
  if (p !== undefined && p !== null && p !== "") out.port = wholeNumber("port", p, 0, 1, 65535);
  const raw = typeof c.host === "string" ? c.host.trim() : c.host;
  if (raw !== undefined && raw !== null && raw !== "") {
    if (typeof raw !== "string") throw new Error("host must be text");
    let h = raw;
    if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1); // [::1]
    if (!HOST.test(h)) throw new Error(`host ${JSON.stringify(c.host)} is not a host name or IP address`);
    if (out.port === undefined) throw new Error("host needs a port (without a port the endpoint is on Node-RED's HTTP server)");
    out.host = h;
  }
  return out;
}
