/**
 * VMware Horizon REST client for audit events (reference: protocols.md §5,
 * vmware-event-tools.md §4.1), on undici with one keep-alive connection pool.
 *
 *   POST /rest/login    {domain, username, password} -> {access_token, refresh_token}
 *   POST /rest/refresh  {refresh_token} -> {access_token}; 400 = refresh token expired
 *   POST /rest/logout   {refresh_token}
 *   GET  /rest/external/v1/audit-events?filter=<json>&page=n&size=m  (Bearer access token)
 *        -> JSON array, newest first; response header HAS_MORE_RECORDS when paging
 *
 * A 401 on an API call re-authenticates once (refresh, or a full login when the refresh token
 * is refused with 400) and repeats the call. Every failure is a `HorizonError` with a kind the
 * reader uses for recovery and status.
 */
import { Agent } from "undici";
import { jsonTextTooDeep, MAX_JSON_DEPTH } from "../common/json-depth";
import { Scrubber } from "../common/scrub";
import { classifyError } from "../http/sender";

/** One AuditEventSummary as Horizon sends it (snake_case, every field optional in JSON). */
export interface AuditEvent {
  id: number | string;
  type?: string;
  severity?: string;
  module?: string;
  time: number;
  message?: string;
  machine_dns_name?: string;
  machine_id?: string;
  user_id?: string;
  desktop_pool_name?: string;
  application_pool_name?: string;
  [field: string]: unknown;
}

export type HorizonErrorKind =
  /** the credentials are refused (login answered 400/401/403) */
  | "login"
  /** a token is refused even after a fresh login */
  | "auth"
  /** an unexpected HTTP status (409: the event database is not configured) */
  | "http"
  /** an answer that is not what the API documents */
  | "protocol"
  /** network, TLS or timeout */
  | "transport"
  /** the client was closed or the call aborted */
  | "closed";

export class HorizonError extends Error {
  override readonly name = "HorizonError";
  constructor(
    message: string,
    readonly kind: HorizonErrorKind,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface HorizonClientOptions {
  /** https://host[:port] */
  baseUrl: string;
  domain: string;
  username: string;
  password: string;
  insecureSSL?: boolean;
  /** PEM CA certificate(s) to trust in addition to the defaults */
  ca?: string | Buffer;
  /** connect timeout (default 10 s) */
  connectTimeoutMs?: number;
  /** time to the response headers, between body chunks, and for the whole exchange (default 30 s) */
  requestTimeoutMs?: number;
  /** largest response body accepted (default 16 MiB: a page of 1,000 audit events is well under 1 MB) */
  maxResponseBytes?: number;
}

export interface AuditQuery {
  /** a Horizon filter object, sent as `filter=<JSON>` */
  filter?: unknown;
  /** 1-based page number; needs `size` */
  page?: number;
  /** page size, 1..1000; needs `page` */
  size?: number;
}

export interface AuditPage {
  events: AuditEvent[];
  /** the HAS_MORE_RECORDS response header */
  hasMore: boolean;
}

/** The part of the client the reader needs (tests substitute their own). */
export interface AuditEventSource {
  auditEvents(query: AuditQuery, signal?: AbortSignal): Promise<AuditPage>;
}

/** Counters for tests and diagnostics. */
export interface ClientStats {
  logins: number;
  refreshes: number;
  /** refreshes refused with 400 (followed by a full login) */
  refreshRefused: number;
  unauthorized: number;
  requests: number;
}

interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

const AUDIT_PATH = "/rest/external/v1/audit-events";

export function betweenFilter(fromMs: number, toMs: number): { type: "Between"; name: "time"; fromValue: number; toValue: number } {
  return { type: "Between", name: "time", fromValue: fromMs, toValue: toMs };
}

function fold(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function excerptOf(text: string): string {
  const t = fold(text);
  return t.length > 200 ? t.slice(0, 200) + "…" : t;
}

/** The reason in a Horizon error body (`{error_message}`, `{errors:[{error_message}]}`, ...) or its start. */
function detailOf(r: JsonResponse): string {
  const b = r.body as Record<string, unknown> | undefined;
  if (b !== null && typeof b === "object") {
    for (const k of ["error_message", "message", "error_type", "error"]) {
      if (typeof b[k] === "string") return b[k];
    }
    const errs = b.errors;
    if (Array.isArray(errs) && errs.length > 0) {
      const e0 = errs[0] as Record<string, unknown>;
      if (e0 !== null && typeof e0 === "object" && typeof e0.error_message === "string") return e0.error_message;
    }
  }
  return r.text;
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

export class HorizonClient implements AuditEventSource {
  private readonly agent: Agent;
  private readonly origin: string;
  private readonly basePath: string;
  private accessToken: string | undefined;
  private refreshToken: string | undefined;
  private authPending: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private closed = false;
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  /** removes the configured domain, user name and password from text quoted from Horizon */
  private readonly scrubber: Scrubber;
  readonly stats: ClientStats = { logins: 0, refreshes: 0, refreshRefused: 0, unauthorized: 0, requests: 0 };

  constructor(private readonly opts: HorizonClientOptions) {
    const u = new URL(opts.baseUrl);
    this.origin = u.origin;
    this.basePath = u.pathname.replace(/\/+$/, "");
    this.maxBytes = opts.maxResponseBytes ?? 16 * 1024 * 1024;
    // secrets as configured and as they look once whitespace is folded for an excerpt
    const secrets = [opts.domain, opts.username, opts.password];
    this.scrubber = new Scrubber([...secrets, ...secrets.map((x) => fold(x ?? ""))], [{ username: opts.username, password: opts.password }]);
    const timeout = opts.requestTimeoutMs ?? 30_000;
    this.timeoutMs = timeout;
    const connect: Record<string, unknown> = { timeout: opts.connectTimeoutMs ?? 10_000 };
    if (opts.insecureSSL === true) connect.rejectUnauthorized = false;
    if (opts.ca !== undefined) connect.ca = opts.ca;
    this.agent = new Agent({ connections: 4, keepAliveTimeout: 10_000, headersTimeout: timeout, bodyTimeout: timeout, connect });
    this.agent.on("connectionError", () => undefined);
  }

  /** The start of a peer's answer, for an error message: whitespace folded, secrets removed, 200 characters. */
  private excerpt(text: string): string {
    // folded, then scrubbed, then cut: a secret cut in two at the end of the 4 KB taken is
    // far behind the 200 characters shown, and none can move forward into them any more
    return excerptOf(this.scrubber.scrub(fold(text).slice(0, 4096)));
  }

  /** The reason in an error answer, secrets removed (see detailOf). */
  private errorDetail(r: JsonResponse): string {
    return this.excerpt(detailOf(r));
  }

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  get loggedIn(): boolean {
    return this.accessToken !== undefined;
  }

  /** Log in (again), replacing both tokens. */
  async login(signal?: AbortSignal): Promise<void> {
    const { domain, username, password } = this.opts;
    const r = await this.call("POST", "/rest/login", { body: { domain, username, password }, signal });
    if (r.status === 400 || r.status === 401 || r.status === 403) {
      this.accessToken = undefined;
      this.refreshToken = undefined;
      throw new HorizonError(`login refused for ${domain}\\${username}: HTTP ${r.status} ${this.errorDetail(r)}`.trim(), "login", r.status);
    }
    if (r.status < 200 || r.status > 299) throw new HorizonError(`login failed: HTTP ${r.status} ${this.errorDetail(r)}`.trim(), "http", r.status);
    const b = r.body as { access_token?: unknown; refresh_token?: unknown } | undefined;
    if (b === null || typeof b !== "object" || typeof b.access_token !== "string" || b.access_token === "") {
      throw new HorizonError("login answer has no access_token", "protocol", r.status);
    }
    this.accessToken = b.access_token;
    this.refreshToken = typeof b.refresh_token === "string" && b.refresh_token !== "" ? b.refresh_token : undefined;
    this.stats.logins++;
  }

  /** After a 401: refresh the access token, or log in when the refresh token is refused (400). One at a time. */
  private reauthenticate(signal?: AbortSignal): Promise<void> {
    this.authPending ??= (async () => {
      const rt = this.refreshToken;
      if (rt !== undefined) {
        const r = await this.call("POST", "/rest/refresh", { body: { refresh_token: rt }, signal });
        if (r.status >= 200 && r.status <= 299) {
          const b = r.body as { access_token?: unknown } | undefined;
          if (b !== null && typeof b === "object" && typeof b.access_token === "string" && b.access_token !== "") {
            this.accessToken = b.access_token;
            this.stats.refreshes++;
            return;
          }
          throw new HorizonError("refresh answer has no access_token", "protocol", r.status);
        }
        if (r.status !== 400 && r.status !== 401) {
          throw new HorizonError(`token refresh failed: HTTP ${r.status} ${this.errorDetail(r)}`.trim(), "http", r.status);
        }
        this.stats.refreshRefused++; // expired refresh token: log in again
      }
      await this.login(signal);
    })().finally(() => {
      this.authPending = undefined;
    });
    return this.authPending;
  }

  /** One page of audit events (newest first, as Horizon answers). */
  async auditEvents(query: AuditQuery, signal?: AbortSignal): Promise<AuditPage> {
    const params: string[] = [];
    if (query.filter !== undefined) params.push("filter=" + encodeURIComponent(JSON.stringify(query.filter)));
    if (query.page !== undefined || query.size !== undefined) {
      const page = query.page ?? 1;
      const size = query.size ?? 1000;
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(size) || size < 1 || size > 1000) {
        throw new HorizonError(`invalid paging page=${page} size=${size} (page ≥ 1, size 1..1000)`, "protocol");
      }
      params.push(`page=${page}`, `size=${size}`);
    }
    const path = AUDIT_PATH + (params.length > 0 ? "?" + params.join("&") : "");
    if (this.accessToken === undefined) await (this.authPending ?? this.login(signal));
    let r = await this.call("GET", path, { bearer: true, signal });
    if (r.status === 401) {
      this.stats.unauthorized++;
      const used = this.accessToken;
      // another call may have re-authenticated meanwhile; otherwise do it now
      if (this.authPending !== undefined) await this.authPending;
      else if (used === this.accessToken) await this.reauthenticate(signal);
      r = await this.call("GET", path, { bearer: true, signal });
      if (r.status === 401) {
        this.stats.unauthorized++;
        this.accessToken = undefined;
        throw new HorizonError("audit events: HTTP 401 even after a fresh login", "auth", 401);
      }
    }
    if (r.status === 409) {
      throw new HorizonError(`audit events: HTTP 409 (is the Horizon event database configured?) ${this.errorDetail(r)}`.trim(), "http", 409);
    }
    if (r.status < 200 || r.status > 299) {
      throw new HorizonError(`audit events: HTTP ${r.status} ${this.errorDetail(r)}`.trim(), "http", r.status);
    }
    if (!Array.isArray(r.body)) throw new HorizonError(`audit events: the answer is not a JSON array (${this.excerpt(r.text)})`, "protocol", r.status);
    const events: AuditEvent[] = [];
    for (const item of r.body as unknown[]) {
      if (item !== null && typeof item === "object" && !Array.isArray(item)) events.push(item as AuditEvent);
    }
    const more = headerValue(r.headers["has_more_records"]) ?? headerValue(r.headers["has-more-records"]);
    return { events, hasMore: typeof more === "string" && more.trim().toLowerCase() === "true" };
  }

  /** Log out (best effort, bounded), then close the connections. Idempotent. */
  async close(timeoutMs = 1500): Promise<void> {
    if (this.closed) return;
    const rt = this.refreshToken;
    this.accessToken = undefined;
    this.refreshToken = undefined;
    if (rt !== undefined) {
      const logout = this.call("POST", "/rest/logout", { body: { refresh_token: rt } }).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([logout, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    this.closed = true;
    this.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.agent.destroy(new Error("client closed")).catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, 1000))),
    ]);
    clearTimeout(timer);
  }

  private async call(
    method: "GET" | "POST",
    path: string,
    o: { body?: unknown; bearer?: boolean; signal?: AbortSignal },
  ): Promise<JsonResponse> {
    if (this.closed) throw new HorizonError("Horizon client closed", "closed");
    const headers: Record<string, string> = { accept: "application/json" };
    if (o.body !== undefined) headers["content-type"] = "application/json";
    if (o.bearer === true && this.accessToken !== undefined) headers.authorization = `Bearer ${this.accessToken}`;
    // a whole exchange, body included, within the timeout: a slow drip must not hold the reader
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = AbortSignal.any(o.signal === undefined ? [this.abort.signal, deadline] : [o.signal, this.abort.signal, deadline]);
    this.stats.requests++;
    try {
      const res = await this.agent.request({
        origin: this.origin,
        path: this.basePath + path,
        method,
        headers,
        body: o.body === undefined ? null : JSON.stringify(o.body),
        signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > this.maxBytes) {
          res.body.destroy();
          throw new HorizonError(`${method} ${path.split("?")[0]}: the answer is larger than ${this.maxBytes} bytes`, "protocol", res.statusCode);
        }
        chunks.push(buf);
      }
      const text = Buffer.concat(chunks, size).toString("utf8");
      let body: unknown;
      // nothing nested past MAX_JSON_DEPTH enters the flow (Node-RED clones messages recursively)
      if (jsonTextTooDeep(text)) {
        throw new HorizonError(`${method} ${path.split("?")[0]}: the answer nests deeper than ${MAX_JSON_DEPTH} levels`, "protocol", res.statusCode);
      }
      if (text.trim() !== "") {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          if (res.statusCode >= 200 && res.statusCode <= 299) {
            throw new HorizonError(`${method} ${path.split("?")[0]}: the answer is not JSON (${this.excerpt(text)})`, "protocol", res.statusCode);
          }
        }
      }
      return { status: res.statusCode, headers: res.headers, body, text };
    } catch (err) {
      if (err instanceof HorizonError) throw err;
      if (deadline.aborted && !this.closed && o.signal?.aborted !== true) {
        throw new HorizonError(`${method} ${path.split("?")[0]}: no complete answer within ${this.timeoutMs / 1000} s`, "transport");
      }
      if (this.closed || signal.aborted) throw new HorizonError("Horizon client closed", "closed");
      const e = classifyError(err);
      throw new HorizonError(`${this.origin}: ${e.message}${e.code !== "" ? ` (${e.code})` : ""}`, "transport");
    }
  }
}
