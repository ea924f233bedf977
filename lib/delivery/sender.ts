/**
 * HTTP sender on undici: one keep-alive connection pool per destination origin (an undici
 * `Agent` keeps one `Pool` per origin), connect and per-request timeouts, TLS options, and
 * `close()` that aborts everything within a second. `send()` makes exactly one attempt and
 * never rejects: every failure is described in the returned outcome.
 */
import { STATUS_CODES } from "node:http";
import { rootCertificates } from "node:tls";
import { Agent } from "undici";

export interface HttpSenderOptions {
  /** TCP + TLS connect timeout (default 10 s). */
  connectTimeoutMs?: number;
  /** Until the response headers arrive, and then between body chunks (default 30 s). */
  requestTimeoutMs?: number;
  /** Accept any server certificate (self-signed vCenter-style test setups). */
  insecureSSL?: boolean;
  /** Extra CA certificate(s), PEM, trusted in addition to Node's default CAs. */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Max sockets per origin (default 16). */
  connectionsPerOrigin?: number;
  /** Idle keep-alive time of a socket (default 4 s; the server's `Keep-Alive: timeout` wins when shorter). */
  keepAliveTimeoutMs?: number;
  /** Bytes of the response body kept as `body` (default 4 KiB); the rest is read and dropped. */
  responseBodyLimit?: number;
  /** Responses larger than this are not drained (the connection is dropped instead). Default 1 MiB. */
  responseDrainLimit?: number;
  /** Sent as `user-agent` unless the request sets one. */
  userAgent?: string;
}

export interface HttpRequest {
  url: string | URL;
  /** default POST */
  method?: string;
  /** header names in any case */
  headers?: Readonly<Record<string, string>>;
  body?: string | Uint8Array;
}

export type ResponseHeaders = Record<string, string | string[]>;

export type TransportErrorKind =
  /** connect or request timeout */
  | "timeout"
  /** refused, reset, DNS, unreachable, socket closed by the peer */
  | "network"
  /** certificate or TLS handshake failure */
  | "tls"
  /** the request itself is invalid (bad URL, bad header value): retrying cannot help */
  | "invalid-request"
  /** the sender was closed or the caller aborted */
  | "closed";

export interface TransportError {
  kind: TransportErrorKind;
  /** e.g. ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT, UND_ERR_HEADERS_TIMEOUT, DEPTH_ZERO_SELF_SIGNED_CERT */
  code: string;
  message: string;
}

export interface ResponseOutcome {
  kind: "response";
  statusCode: number;
  statusText: string;
  headers: ResponseHeaders;
  /** up to `responseBodyLimit` bytes of the body, as UTF-8 text */
  body: string;
  bodyTruncated: boolean;
  durationMs: number;
}

export interface ErrorOutcome {
  kind: "error";
  error: TransportError;
  durationMs: number;
}

export type SendOutcome = ResponseOutcome | ErrorOutcome;

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "HOSTNAME_MISMATCH",
  "EPROTO",
]);
const INVALID_CODES = new Set([
  "UND_ERR_INVALID_ARG",
  "UND_ERR_NOT_SUPPORTED",
  "ERR_INVALID_URL",
  "ERR_INVALID_ARG_TYPE",
  "ERR_INVALID_ARG_VALUE",
  "ERR_INVALID_CHAR",
  "ERR_INVALID_HTTP_TOKEN",
]);
const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]);

/** Map an error thrown by undici to a TransportError. */
export function classifyError(err: unknown): TransportError {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown };
  let code = typeof e.code === "string" ? e.code : "";
  let message = typeof e.message === "string" ? e.message : String(err);
  // undici sometimes wraps the socket error ("fetch failed"-style) in `cause`
  const cause = e.cause as { code?: unknown; message?: unknown } | undefined;
  if (!code && cause && typeof cause.code === "string") {
    code = cause.code;
    if (typeof cause.message === "string") message = cause.message;
  }
  if (TLS_CODES.has(code) || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")) {
    return { kind: "tls", code, message };
  }
  if (INVALID_CODES.has(code) || e.name === "InvalidArgumentError") {
    return { kind: "invalid-request", code: code || "UND_ERR_INVALID_ARG", message };
  }
  if (TIMEOUT_CODES.has(code)) return { kind: "timeout", code, message };
  // UND_ERR_DESTROYED / UND_ERR_CLOSED only mean "closed" when we closed (checked by send())
  return { kind: "network", code: code || "ENETWORK", message };
}

const CLOSE_GRACE_MS = 1000;
const URL_CACHE_SIZE = 64;

interface Target {
  origin: string;
  path: string;
  /** basic auth from credentials in the URL */
  authorization: string | undefined;
}

function hasHeader(headers: Readonly<Record<string, string>>, lowerName: string): boolean {
  for (const k in headers) if (k.toLowerCase() === lowerName) return true;
  return false;
}

const ignore = (): void => undefined;

interface Excerpt {
  text: string;
  truncated: boolean;
}

/** Read up to `limit` bytes of a response body, drop the rest up to `drainLimit`, then give up on it. */
function readExcerpt(body: NodeJS.ReadableStream & { destroy(err?: Error): unknown }, limit: number, drainLimit: number): Promise<Excerpt> {
  return new Promise<Excerpt>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let total = 0;
    let truncated = false;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      body.removeListener("data", onData);
      body.removeListener("end", finish);
      body.removeListener("error", onError);
      resolve({ text: kept === 0 ? "" : Buffer.concat(chunks, kept).toString("utf8"), truncated });
    };
    const onError = (err: Error): void => {
      if (finished) return;
      finished = true;
      body.removeListener("data", onData);
      body.removeListener("end", finish);
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (kept < limit) {
        const take = Math.min(chunk.length, limit - kept);
        chunks.push(take === chunk.length ? chunk : chunk.subarray(0, take));
        kept += take;
        if (take < chunk.length) truncated = true;
      } else {
        truncated = true;
      }
      if (total > drainLimit) {
        // do not drain huge answers: undici drops the socket instead
        body.destroy();
        finish();
      }
    };
    body.on("error", ignore); // a late error after we are done must never be unhandled
    body.on("data", onData);
    body.on("end", finish);
    body.on("error", onError);
  });
}

export class HttpSender {
  private readonly agent: Agent;
  private readonly requestTimeoutMs: number;
  private readonly bodyLimit: number;
  private readonly drainLimit: number;
  private readonly userAgent: string | undefined;
  private readonly targets = new Map<string, Target>();
  private active = 0;
  private closing: Promise<void> | undefined;

  constructor(options: HttpSenderOptions = {}) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.bodyLimit = options.responseBodyLimit ?? 4096;
    this.drainLimit = options.responseDrainLimit ?? 1024 * 1024;
    this.userAgent = options.userAgent;
    const connect: Record<string, unknown> = { timeout: options.connectTimeoutMs ?? 10_000 };
    if (options.insecureSSL) connect.rejectUnauthorized = false;
    if (options.ca !== undefined) {
      const extra = typeof options.ca === "string" || Buffer.isBuffer(options.ca) ? [options.ca] : [...options.ca];
      connect.ca = [...rootCertificates, ...extra];
    }
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 16,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
      // the request timeout: time to the response headers, then at most this long between body chunks
      headersTimeout: this.requestTimeoutMs,
      bodyTimeout: this.requestTimeoutMs,
      connect,
    });
    // undici reports connection-level errors on the request; keep stray 'error' events harmless
    this.agent.on("connectionError", () => undefined);
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Requests currently on the wire. */
  get inFlight(): number {
    return this.active;
  }

  private target(url: string | URL): Target | TransportError {
    const key = typeof url === "string" ? url : url.href;
    const cached = this.targets.get(key);
    if (cached) return cached;
    let u: URL;
    try {
      u = typeof url === "string" ? new URL(url) : url;
    } catch (err) {
      return { kind: "invalid-request", code: "ERR_INVALID_URL", message: (err as Error).message };
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") {
      return { kind: "invalid-request", code: "ERR_INVALID_URL", message: `unsupported protocol ${u.protocol}` };
    }
    let authorization: string | undefined;
    if (u.username || u.password) {
      // credentials in the URL become basic auth
      const user = decodeURIComponent(u.username);
      const pass = decodeURIComponent(u.password);
      authorization = "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");
    }
    const t: Target = { origin: u.origin, path: u.pathname + u.search, authorization };
    if (this.targets.size >= URL_CACHE_SIZE) this.targets.clear();
    this.targets.set(key, t);
    return t;
  }

  /**
   * One attempt. Never rejects. `signal` lets the caller abort (outcome kind `closed`).
   * Timeouts: `connectTimeoutMs` to connect (TLS included), `requestTimeoutMs` until the
   * response headers and between body chunks.
   */
  async send(request: HttpRequest, signal?: AbortSignal): Promise<SendOutcome> {
    const started = performance.now();
    if (this.closing) return errorOutcome({ kind: "closed", code: "ECLOSED", message: "sender closed" }, started);
    if (signal?.aborted) return errorOutcome({ kind: "closed", code: "EABORTED", message: "aborted" }, started);
    const target = this.target(request.url);
    if (!("origin" in target)) return errorOutcome(target, started);

    let headers = request.headers;
    if (
      (target.authorization !== undefined && !(headers && hasHeader(headers, "authorization"))) ||
      (this.userAgent !== undefined && !(headers && hasHeader(headers, "user-agent")))
    ) {
      const h: Record<string, string> = { ...headers };
      if (target.authorization !== undefined && !hasHeader(h, "authorization")) h.authorization = target.authorization;
      if (this.userAgent !== undefined && !hasHeader(h, "user-agent")) h["user-agent"] = this.userAgent;
      headers = h;
    }

    this.active++;
    try {
      const res = await this.agent.request({
        origin: target.origin,
        path: target.path,
        method: (request.method ?? "POST") as "POST",
        headers,
        body: request.body ?? null,
        signal: signal ?? null,
      });
      const excerpt = await readExcerpt(res.body, this.bodyLimit, this.drainLimit);
      return {
        kind: "response",
        statusCode: res.statusCode,
        statusText: STATUS_CODES[res.statusCode] ?? "",
        headers: res.headers as ResponseHeaders,
        body: excerpt.text,
        bodyTruncated: excerpt.truncated,
        durationMs: performance.now() - started,
      };
    } catch (err) {
      if (this.closing) return errorOutcome({ kind: "closed", code: "ECLOSED", message: "sender closed" }, started);
      if (signal?.aborted) return errorOutcome({ kind: "closed", code: "EABORTED", message: "aborted" }, started);
      const e = classifyError(err);
      if (e.code === "UND_ERR_HEADERS_TIMEOUT" || e.code === "UND_ERR_BODY_TIMEOUT") {
        e.message = `request timed out after ${this.requestTimeoutMs} ms (${e.message})`;
      }
      return errorOutcome(e, started);
    } finally {
      this.active--;
    }
  }

  /**
   * Abort every request in flight and destroy all sockets. Resolves within about a second
   * whatever the peers do; idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_GRACE_MS);
      timer.unref();
      this.agent
        .destroy(new Error("sender closed"))
        .catch(() => undefined)
        .then(() => {
          clearTimeout(timer);
          resolve();
        });
    });
    return this.closing;
  }
}

function errorOutcome(error: TransportError, started: number): ErrorOutcome {
  return { kind: "error", error, durationMs: performance.now() - started };
}

/** "HTTP 503 Service Unavailable" */
export function describeStatus(statusCode: number): string {
  const text = STATUS_CODES[statusCode];
  return text ? `HTTP ${statusCode} ${text}` : `HTTP ${statusCode}`;
}
