/**
 * The Redis context store's `config` (settings.js `contextStorage.<name>.config`), checked and
 * turned into node-redis client options. Pure apart from reading TLS files and the environment,
 * so test/unit/redis-config_spec.js can check every rule without a server.
 */
import fs from "node:fs";
import type { ConnectionOptions } from "node:tls";

/** TLS settings: node's tls.connect options, plus file paths read at start. */
export interface RedisTlsConfig {
  ca?: string | string[];
  cert?: string;
  key?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  servername?: string;
  rejectUnauthorized?: boolean;
}

/** What a user may write in settings.js. */
export interface RedisStoreConfig {
  /** redis://[user:password@]host:port[/db] or rediss://… (TLS); default redis://127.0.0.1:6379 */
  url?: string;
  /** first part of every key; default "nodered" */
  prefix?: string;
  /** name of an environment variable holding the password (instead of one in the URL) */
  passwordEnv?: string;
  /** name of an environment variable holding the ACL user name */
  usernameEnv?: string;
  /** TLS: `true` or options; implied by rediss:// */
  tls?: boolean | RedisTlsConfig;
  /** lease length for one-reader-per-stream (lib/redis/lease.ts), ms; default 15000 */
  leaseMs?: number;
  /** ms to wait for a TCP/TLS connection; default 5000 */
  connectTimeout?: number;
  /** ms a single command may take before its callback gets an error; default 5000 */
  commandTimeout?: number;
  /** longest pause between reconnect attempts, ms; default 5000 */
  maxReconnectDelay?: number;
  /** Node-RED copies `userDir` in here; ignored */
  settings?: unknown;
}

export const DEFAULT_URL = "redis://127.0.0.1:6379";
export const DEFAULT_PREFIX = "nodered";
export const DEFAULT_LEASE_MS = 15000;
export const MIN_LEASE_MS = 300;

/** Everything the store and the leases need, validated. */
export interface ResolvedConfig {
  url: string;
  prefix: string;
  leaseMs: number;
  connectTimeout: number;
  commandTimeout: number;
  maxReconnectDelay: number;
  username?: string;
  password?: string;
  tls?: ConnectionOptions;
  /** for log lines: the URL without user or password */
  safeUrl: string;
}

export class RedisConfigError extends Error {
  constructor(message: string) {
    super(`Redis context store: ${message}`);
    this.name = "RedisConfigError";
  }
}

function positiveMs(name: string, v: unknown, dflt: number, min = 1): number {
  if (v === undefined || v === null || v === "") return dflt;
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n) || n < min) throw new RedisConfigError(`${name} must be a number of milliseconds ≥ ${min}`);
  return Math.floor(n);
}

function envValue(env: NodeJS.ProcessEnv, name: unknown, what: string): string | undefined {
  if (name === undefined || name === null || name === "") return undefined;
  if (typeof name !== "string") throw new RedisConfigError(`${what} must be the name of an environment variable`);
  const v = env[name];
  if (v === undefined || v === "") throw new RedisConfigError(`environment variable ${name} (${what}) is not set`);
  return v;
}

function readPem(file: string, what: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new RedisConfigError(`cannot read tls.${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function tlsOptions(t: boolean | RedisTlsConfig | undefined, secureUrl: boolean, host: string): ConnectionOptions | undefined {
  if (t === false) {
    if (secureUrl) throw new RedisConfigError("tls: false contradicts a rediss:// url");
    return undefined;
  }
  if (t === undefined && !secureUrl) return undefined;
  const out: ConnectionOptions = {};
  if (typeof t === "object" && t !== null) {
    if (t.ca !== undefined) out.ca = t.ca;
    if (t.cert !== undefined) out.cert = t.cert;
    if (t.key !== undefined) out.key = t.key;
    if (t.caFile) out.ca = readPem(t.caFile, "caFile");
    if (t.certFile) out.cert = readPem(t.certFile, "certFile");
    if (t.keyFile) out.key = readPem(t.keyFile, "keyFile");
    if (t.servername !== undefined) out.servername = t.servername;
    if (t.rejectUnauthorized !== undefined) out.rejectUnauthorized = t.rejectUnauthorized !== false;
  } else if (t !== undefined && t !== true) {
    throw new RedisConfigError("tls must be true, false or an object of TLS options");
  }
  if (out.servername === undefined && !/^[\d.]+$|:/.test(host)) out.servername = host;
  return out;
}

/** Validates `config` and resolves environment variables and TLS files. Throws RedisConfigError. */
export function resolveConfig(config: RedisStoreConfig | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const c: RedisStoreConfig = config ?? {};
  const raw = c.url === undefined || c.url === null || c.url === "" ? DEFAULT_URL : c.url;
  if (typeof raw !== "string") throw new RedisConfigError("url must be a string");
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new RedisConfigError("url is not a valid redis:// or rediss:// URL");
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") throw new RedisConfigError("url must start with redis:// or rediss://");
  const secure = parsed.protocol === "rediss:";
  const prefix = c.prefix === undefined || c.prefix === null || c.prefix === "" ? DEFAULT_PREFIX : c.prefix;
  if (typeof prefix !== "string" || /\s/.test(prefix)) throw new RedisConfigError("prefix must be a string without spaces");
  const password = envValue(env, c.passwordEnv, "passwordEnv");
  const username = envValue(env, c.usernameEnv, "usernameEnv");
  const tls = tlsOptions(c.tls, secure, parsed.hostname.replace(/^\[|\]$/g, ""));
  const safe = new URL(raw);
  safe.username = "";
  safe.password = "";
  const resolved: ResolvedConfig = {
    url: raw,
    prefix,
    leaseMs: positiveMs("leaseMs", c.leaseMs, DEFAULT_LEASE_MS, MIN_LEASE_MS),
    connectTimeout: positiveMs("connectTimeout", c.connectTimeout, 5000),
    commandTimeout: positiveMs("commandTimeout", c.commandTimeout, 5000),
    maxReconnectDelay: positiveMs("maxReconnectDelay", c.maxReconnectDelay, 5000),
    safeUrl: safe.toString(),
  };
  if (password !== undefined) resolved.password = password;
  if (username !== undefined) resolved.username = username;
  if (tls !== undefined) resolved.tls = tls;
  return resolved;
}

/** Reconnect delay after `retries` failed attempts: 100 ms doubling up to `max`, ±20 % jitter. */
export function reconnectDelay(retries: number, max: number): number {
  const base = Math.min(max, 100 * 2 ** Math.min(retries, 16));
  return Math.max(50, Math.round(base * (0.8 + Math.random() * 0.4)));
}
