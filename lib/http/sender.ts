/**
 * HTTP sender on undici: one keep-alive connection pool per destination origin (an undici
 * `Agent` keeps one `Pool` per origin), connect and per-request timeouts, TLS options, and
 * `close()` that aborts everything within a second. `send()` makes exactly one attempt and
 * never rejects: every failure is described in the returned outcome.
 */
import { STATUS_CODES } from "node:http";
import { rootCertificates } from "node:tls";
import { Agent, type Dispatcher } from "undici";
import { SlotMap } from "../common/slot-map";

export interface HttpSenderOptions {
  /** TCP + TLS connect timeout (default 10 s). */
  connectTimeoutMs?: number;
  /** Until the response headers arrive, then between body chunks and for the whole body (default 30 s). */
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
  if (Object.prototype.hasOwnProperty.call(headers, lowerName)) return true;
  for (const k in headers) if (k.length === lowerName.length && k.toLowerCase() === lowerName) return true;
  return false;
}

/**
 * One request on undici's dispatch API: no response stream, no promise per step. Keeps up to
 * `limit` bytes of the body, drops the rest, and gives up on (aborts) answers longer than
 * `drainLimit`. Settles exactly once through `settle`.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private abortReason: Error | undefined;
  private statusCode = 0;
  private statusText = "";
  private headers: ResponseHeaders = {};
  private chunks: Buffer[] = [];
  private kept = 0;
  private total = 0;
  private truncated = false;
  private settled = false;
  private bodyTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limit: number,
    private readonly drainLimit: number,
    /** the whole body must arrive within this after the headers (a slow drip must not hold a request for ever) */
    private readonly bodyDeadlineMs: number,
    /** with the answer, or with `undefined` and the error that ended the request */
    private readonly settle: (exchange: Exchange, answer: ResponseOutcome | undefined, err?: unknown) => void,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortReason !== undefined) controller.abort(this.abortReason);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    if (statusCode < 200) return; // 1xx informational
    this.statusCode = statusCode;
    this.statusText = statusMessage || STATUS_CODES[statusCode] || "";
    this.headers = headers as ResponseHeaders;
    if (this.bodyTimer === undefined && this.bodyDeadlineMs > 0) {
      this.bodyTimer = setTimeout(() => {
        const err = new Error(`the answer's body did not arrive within ${this.bodyDeadlineMs} ms`) as Error & { code: string };
        err.code = "UND_ERR_BODY_TIMEOUT";
        this.abort(err);
      }, this.bodyDeadlineMs);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.total += chunk.length;
    if (this.kept < this.limit) {
      const take = Math.min(chunk.length, this.limit - this.kept);
      this.chunks.push(take === chunk.length ? chunk : chunk.subarray(0, take));
      this.kept += take;
      if (take < chunk.length) this.truncated = true;
    } else {
      this.truncated = true;
    }
    if (this.total > this.drainLimit) {
      // do not drain huge answers: report what we have and let undici drop the socket
      this.finish();
      controller.abort(new Error("response body too large to drain"));
    }
  }

  onResponseEnd(): void {
    this.finish();
  }

  onResponseError(_c: Dispatcher.DispatchController | undefined, err: Error): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.bodyTimer);
    this.chunks = [];
    this.settle(this, undefined, err);
  }

  /** Give up on the request: it settles with `reason` now and is aborted on the wire. */
  abort(reason: Error): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
    this.onResponseError(undefined, reason);
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.bodyTimer);
    const kept = this.kept;
    const body = kept === 0 ? "" : (this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, kept)).toString("utf8");
    this.chunks = [];
    this.settle(this, {
      kind: "response",
      statusCode: this.statusCode,
      statusText: this.statusText,
      headers: this.headers,
      body,
      bodyTruncated: this.truncated,
      durationMs: 0,
    });
  }
}

class AbortedError extends Error {
  constructor() {
    super("aborted");
    this.name = "AbortError";
  }
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
  /** requests in flight per caller signal: one listener per signal aborts them all */
  private readonly bySignal = new WeakMap<AbortSignal, SlotMap<Exchange>>();

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
  send(request: HttpRequest, signal?: AbortSignal): Promise<SendOutcome> {
    const started = performance.now();
    if (this.closing) return Promise.resolve(errorOutcome({ kind: "closed", code: "ECLOSED", message: "sender closed" }, started));
    if (signal?.aborted) return Promise.resolve(errorOutcome({ kind: "closed", code: "EABORTED", message: "aborted" }, started));
    const target = this.target(request.url);
    if (!("origin" in target)) return Promise.resolve(errorOutcome(target, started));

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
    return new Promise<SendOutcome>((resolve) => {
      let key = -1;
      const exchange = new Exchange(this.bodyLimit, this.drainLimit, this.requestTimeoutMs, (_ex, answer, err) => {
        this.active--;
        if (set !== undefined) set.delete(key);
        if (answer === undefined) {
          resolve(this.failure(err, signal, started));
          return;
        }
        answer.durationMs = performance.now() - started;
        resolve(answer);
      });
      const set = signal !== undefined ? this.watch(signal) : undefined;
      if (set !== undefined) key = set.add(exchange);
      try {
        this.agent.dispatch(
          { origin: target.origin, path: target.path, method: request.method ?? "POST", headers: headers ?? null, body: request.body ?? null },
          exchange,
        );
      } catch (err) {
        exchange.onResponseError(undefined, err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** The outcome of a request that ended without an answer. */
  private failure(err: unknown, signal: AbortSignal | undefined, started: number): ErrorOutcome {
    if (this.closing) return errorOutcome({ kind: "closed", code: "ECLOSED", message: "sender closed" }, started);
    if (signal?.aborted || err instanceof AbortedError) return errorOutcome({ kind: "closed", code: "EABORTED", message: "aborted" }, started);
    const e = classifyError(err);
    if (e.code === "UND_ERR_HEADERS_TIMEOUT" || e.code === "UND_ERR_BODY_TIMEOUT") {
      e.message = `request timed out after ${this.requestTimeoutMs} ms (${e.message})`;
    }
    return errorOutcome(e, started);
  }

  /** The requests in flight under `signal`; the first time, one listener that aborts them all. */
  private watch(signal: AbortSignal): SlotMap<Exchange> {
    const known = this.bySignal.get(signal);
    if (known !== undefined) return known;
    // a slot map, not a Set: one exchange comes and goes per request (lib/common/slot-map.ts)
    const set = new SlotMap<Exchange>();
    this.bySignal.set(signal, set);
    signal.addEventListener("abort", () => {
      for (const ex of set.values()) ex.abort(new AbortedError());
    }, { once: true });
    return set;
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
      void this.agent
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

/** One line for an attempt's outcome: the status, or the transport error. */
export function describeOutcome(o: SendOutcome): string {
  return o.kind === "response" ? describeStatus(o.statusCode) : o.error.message || o.error.code;
}
