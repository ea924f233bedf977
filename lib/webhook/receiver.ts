/**
 * The HTTP side of one `cloudevent-in` endpoint: CloudEvents over HTTP 1.0.2 (binary,
 * structured, batched) plus the CloudEvents webhook spec's abuse-protection handshake.
 *
 * POST, in this order (cheap checks before the body is read):
 *   401 basic auth configured and the credentials are wrong (constant-time, `WWW-Authenticate`);
 *   429 delivery `acknowledged` and `maxInFlight` events are still in the flow (`Retry-After`);
 *       after the body: a batch larger than the free room of the window (`acknowledged`:
 *       `maxInFlight` minus the events in the flow; `sent`: `maxInFlight`); it never enters the flow;
 *   415 a `Content-Encoding`, a structured/batched format other than JSON, or binary mode
 *       without any `ce-` attribute header;
 *   413 `Content-Length` above the limit, or more bytes than the limit arrive (reading stops;
 *       the connection is closed, the excess is never buffered);
 *   408 the body did not arrive within `readTimeout`;
 *   400 malformed CloudEvent: the JSON body names the attribute (and the batch index); JSON
 *       nested deeper than `MAX_JSON_DEPTH` (lib/webhook/depth.ts), refused before it is parsed;
 *   413 a batch of more than `maxBatchSize` events (checked after the window);
 *   202 accepted (delivery `sent`), or with delivery `acknowledged` once the flow has finished
 *       with every event of the request: 200, 500 when a node failed it or it was dead-lettered
 *       (so the sender retries), 504 after `responseTimeout`, 503 when the node is stopped first;
 *   500 the flow could not take an event (a throw while sending: the sender retries).
 *
 * Batches are handed to the flow in slices of `SLICE` events with a turn of the event loop
 * between them, so a large batch never blocks the process for long; a close between slices
 * answers 503 and sends nothing more.
 * OPTIONS: the webhook validation handshake (`WebHook-Request-Origin` ->
 *   `WebHook-Allowed-Origin`, `WebHook-Allowed-Rate: *`, `Allow`); a callback URL is never
 *   fetched (that would let anyone make the server issue GET requests), the answer is synchronous.
 * Anything else: 405 with `Allow: POST, OPTIONS`.
 *
 * Error bodies are JSON: `{"error": "...", "attribute"?: "...", "index"?: n}`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  CE_BATCH_JSON,
  CE_JSON,
  type CloudEvent,
  CloudEventHttpError,
  type ContentMode,
  clip,
  contentModeOf,
  fromHttp,
  parseContentType,
} from "../cloudevents";
import { type BasicAuth, WWW_AUTHENTICATE } from "./auth";
import { bodyConsumed, declaredLength, type ParsedRequest, readBody, recoverBody } from "./body";
import { tooDeepReason } from "./depth";
import type { WebhookSettings } from "./settings";
import { SlotMap } from "../common/slot-map";

/** Request metadata put on each message (`msg.http`). */
export interface RequestInfo {
  method: string;
  /** the request URL as received by the endpoint (path and query) */
  url: string;
  /** the endpoint path */
  path: string;
  /** query parameters (last value wins) */
  query: Record<string, string>;
  remoteAddress: string;
  remotePort: number;
  /** request headers, names lower-case; `authorization` and `proxy-authorization` are removed */
  headers: Record<string, string | string[]>;
  /** content mode of the request */
  mode: ContentMode;
  /** batched mode: the event's position and the batch size */
  batch?: { index: number; size: number };
}

export type FlowOutcome = { ok: true } | { ok: false; reason: string };

/** What the receiver hands events to (the node). */
export interface EventDelivery {
  /**
   * Send the events into the flow. Delivery `sent`: return undefined. Delivery `acknowledged`:
   * return a promise of the outcome once the flow has finished with every event. `events` is
   * one slice of the request's events: they are number `first`... of `total`. May throw (the
   * request is answered 500); in delivery `acknowledged` it must first let go of whatever it
   * holds for the events it did not send.
   */
  deliver(events: CloudEvent[], info: RequestInfo, first: number, total: number): Promise<FlowOutcome> | undefined;
  /** events in the flow not finished yet (delivery `acknowledged`) */
  inFlight(): number;
}

export interface RequestResult {
  status: number;
  events: number;
  reason?: string;
  remoteAddress: string;
}

export interface ReceiverOptions {
  settings: WebhookSettings;
  auth?: BasicAuth;
  delivery: EventDelivery;
  /** after every answer (counters, debug log) */
  onResult?: (result: RequestResult) => void;
}

/** events handed to the flow in one turn of the event loop */
export const SLICE = 100;

const REQUIRED_HEADERS = ["ce-specversion", "ce-id", "ce-source", "ce-type"];
const ALLOW = "POST, OPTIONS";
// an origin (host name, optionally with port) as the webhook spec's WebHook-Request-Origin
const ORIGIN = /^[A-Za-z0-9.:[\]_-]{1,255}$/;

interface ErrorBody {
  error: string;
  attribute?: string;
  index?: number;
}

export class WebhookReceiver {
  private closed = false;
  /** answers of requests waiting for the flow, run on close(); a slot map, not a Set: one comes
   * and goes per request (lib/common/slot-map.ts) */
  private readonly closers = new SlotMap<() => void>();
  /** events of accepted requests not yet handed to the flow (they count against the window) */
  private reserved = 0;

  constructor(private readonly opts: ReceiverOptions) {}

  get settings(): WebhookSettings {
    return this.opts.settings;
  }

  /** Answer one request. Never throws; every path answers (or the client is gone). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      this.route(req, res);
    } catch (err) {
      this.fail(req, res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Stop: requests waiting for the flow are answered 503 (the sender retries elsewhere or later). */
  close(): void {
    this.closed = true;
    const cs = this.closers.values();
    this.closers.clear();
    for (const c of cs) c();
  }

  private route(req: ParsedRequest, res: ServerResponse): void {
    const method = req.method ?? "";
    if (method === "OPTIONS") return this.handshake(req, res);
    if (method !== "POST") {
      return this.fail(req, res, 405, `method ${clip(method)} is not allowed; send CloudEvents with POST`, { Allow: ALLOW });
    }
    if (this.closed) return this.fail(req, res, 503, "the endpoint is stopping", { "Retry-After": "1" });
    const auth = this.opts.auth;
    if (auth !== undefined && !auth.check(req.headers.authorization)) {
      return this.fail(req, res, 401, "Unauthorized", { "WWW-Authenticate": WWW_AUTHENTICATE });
    }
    const s = this.opts.settings;
    if (s.delivery === "acknowledged" && this.opts.delivery.inFlight() + this.reserved >= s.maxInFlight) {
      return this.fail(req, res, 429, `${s.maxInFlight} events are still in the flow; try again later`, { "Retry-After": "1" });
    }
    const encoding = req.headers["content-encoding"];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
      return this.fail(req, res, 415, `content encoding ${clip(encoding)} is not supported`);
    }
    const notCe = notCloudEvent(req);
    if (notCe !== undefined) return this.fail(req, res, 415, notCe);
    const declared = declaredLength(req);
    if (declared !== undefined && Number.isNaN(declared)) return this.fail(req, res, 400, "Content-Length is malformed");
    if (declared !== undefined && declared > s.maxBodySize) {
      return this.fail(req, res, 413, `body is larger than ${s.maxBodySize} bytes`);
    }
    if (bodyConsumed(req)) {
      this.accept(req, res, recoverBody(req, s.maxBodySize));
      return;
    }
    reading.add(req);
    readBody(req, s.maxBodySize, s.readTimeoutMs)
      .then((r) => {
        // out of the set as soon as it no longer matters (mustClose looks at req.complete
        // first): a weak set that only ever grows keeps a young hash table of every request since
        // the last full collection, and the scavenger copied (then promoted) the requests with it,
        // ~2 MB per scavenge under load, whenever the answer waited for the flow
        if (req.complete) reading.delete(req);
        this.accept(req, res, r);
      })
      .catch((err: unknown) => this.fail(req, res, 500, `internal error: ${describe(err)}`))
      .catch(() => res.destroy()); // even the error answer failed: drop the connection
  }

  private accept(req: ParsedRequest, res: ServerResponse, r: Awaited<ReturnType<typeof readBody>>): void {
    if (!r.ok) {
      if (r.gone === true) {
        res.destroy();
        this.report(req, 400, 0, r.reason);
        return;
      }
      return this.fail(req, res, r.status, r.reason);
    }
    const contentType = single(req.headers["content-type"]);
    const deep = tooDeepReason(contentModeOf(contentType), contentType, r.body);
    if (deep !== undefined) return this.fail(req, res, 400, deep, undefined, { attribute: "data" });
    let events: CloudEvent[];
    try {
      events = fromHttp(req.headers, r.body);
    } catch (err) {
      if (err instanceof CloudEventHttpError) {
        const extra: Omit<ErrorBody, "error"> = {};
        if (err.attribute !== undefined) extra.attribute = err.attribute;
        if (err.index !== undefined) extra.index = err.index;
        return this.fail(req, res, err.statusCode, err.message, undefined, extra);
      }
      throw err;
    }
    const s = this.opts.settings;
    const n = events.length;
    const inFlight = s.delivery === "acknowledged" ? this.opts.delivery.inFlight() + this.reserved : 0;
    if (n > s.maxInFlight - inFlight) {
      const why =
        s.delivery === "acknowledged"
          ? `${n} events do not fit: at most ${s.maxInFlight} may be in the flow and ${inFlight} are; try again later`
          : `a batch of ${n} events is more than the ${s.maxInFlight} the endpoint takes at once`;
      return this.fail(req, res, 429, why, { "Retry-After": "1" });
    }
    if (n > s.maxBatchSize) return this.fail(req, res, 413, `a batch of ${n} events is more than the ${s.maxBatchSize} allowed`);
    this.handOver(req, res, events, requestInfo(req, s.path));
  }

  /**
   * Give the events to the flow, `SLICE` at a time, and answer: `sent` 202 once all are in the
   * flow; `acknowledged` once the flow has finished with all of them (200/500), 504 after
   * `responseTimeout`. A throw while sending answers 500; a close answers 503 (no more slices).
   */
  private handOver(req: ParsedRequest, res: ServerResponse, events: CloudEvent[], info: RequestInfo): void {
    const total = events.length;
    const delivery = this.opts.delivery;
    if (total <= SLICE) {
      // the common case: one turn, no bookkeeping
      let out: Promise<FlowOutcome> | undefined;
      try {
        out = delivery.deliver(events, info, 0, total);
      } catch (err) {
        return this.fail(req, res, 500, `the flow could not take the events: ${describe(err)}`);
      }
      if (out === undefined) {
        this.send(res, 202);
        this.report(req, 202, total);
        return;
      }
      this.awaitFlow(req, res, total, out);
      return;
    }
    let next = 0;
    let settled = false;
    let unsent = total;
    const outcomes: Promise<FlowOutcome>[] = [];
    this.reserved += total;
    const unreserve = (k: number): void => {
      this.reserved -= k;
      unsent -= k;
    };
    const settle = (status: number, reason?: string, headers?: Record<string, string>): void => {
      if (settled) return;
      settled = true;
      unreserve(unsent);
      this.closers.delete(closerKey);
      if (status < 300) {
        this.send(res, status);
        this.report(req, status, total);
      } else {
        this.fail(req, res, status, reason ?? "", headers, undefined, total);
      }
    };
    const onClose = (): void => settle(503, "the endpoint stopped before the flow took all events", { "Retry-After": "1" });
    const closerKey = this.closers.add(onClose);
    const step = (): void => {
      if (settled) return;
      const first = next;
      const slice = events.slice(first, first + SLICE);
      next += slice.length;
      unreserve(slice.length);
      let out: Promise<FlowOutcome> | undefined;
      try {
        out = delivery.deliver(slice, info, first, total);
      } catch (err) {
        return settle(500, `the flow could not take event ${first} or one after it: ${describe(err)}`);
      }
      if (out !== undefined) {
        out.catch(() => undefined); // a rejection before the last slice is not unhandled (allOutcomes sees it)
        outcomes.push(out);
      }
      if (next < total) {
        setImmediate(() => {
          try {
            step();
          } catch (err) {
            try {
              settle(500, `internal error: ${describe(err)}`);
            } catch {
              res.destroy();
            }
          }
        });
        return;
      }
      // all slices are in the flow
      if (outcomes.length === 0) return settle(202);
      this.closers.delete(closerKey);
      settled = true;
      this.awaitFlow(req, res, total, allOutcomes(outcomes));
    };
    step();
  }

  private awaitFlow(req: ParsedRequest, res: ServerResponse, count: number, outcome: Promise<FlowOutcome>): void {
    const timeoutMs = this.opts.settings.responseTimeoutMs;
    let settled = false;
    const settle = (status: number, reason?: string, headers?: Record<string, string>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.closers.delete(closerKey);
      if (status < 300) {
        this.send(res, status);
        this.report(req, status, count);
      } else {
        this.fail(req, res, status, reason ?? "", headers, undefined, count);
      }
    };
    const onClose = (): void => settle(503, "the endpoint stopped before the flow finished with the events", { "Retry-After": "1" });
    const timer = setTimeout(
      () => settle(504, `the flow did not finish with the events within ${timeoutMs / 1000} s`),
      timeoutMs,
    );
    const closerKey = this.closers.add(onClose);
    outcome
      .then(
        (o) => (o.ok ? settle(200) : settle(500, o.reason)),
        (err: unknown) => settle(500, describe(err)),
      )
      .catch(() => res.destroy()); // answering failed: drop the connection, never an unhandled rejection
  }

  private handshake(req: IncomingMessage, res: ServerResponse): void {
    const origin = single(req.headers["webhook-request-origin"]);
    res.setHeader("Allow", ALLOW);
    if (origin === undefined) {
      // a plain OPTIONS: say what is allowed
      this.send(res, 204);
      this.report(req, 204, 0);
      return;
    }
    const o = origin.trim();
    if (!ORIGIN.test(o)) return this.fail(req, res, 400, "WebHook-Request-Origin is not a host name");
    const allowed = this.opts.settings.allowedOrigins;
    if (allowed.length > 0 && !allowed.includes(o.toLowerCase())) {
      return this.fail(req, res, 403, `origin ${clip(o)} is not allowed to send events here`);
    }
    res.setHeader("WebHook-Allowed-Origin", o);
    res.setHeader("WebHook-Allowed-Rate", "*");
    this.send(res, 200);
    this.report(req, 200, 0);
  }

  private send(res: ServerResponse, status: number): void {
    if (res.headersSent || res.writableEnded || res.destroyed) return;
    res.statusCode = status;
    res.setHeader("Content-Length", "0");
    res.end();
  }

  /** An error answer. With the body possibly unread (4xx before or while reading), the connection is closed after it. */
  private fail(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    reason: string,
    headers?: Record<string, string>,
    extra?: Omit<ErrorBody, "error">,
    events?: number,
  ): void {
    this.report(req, status, events ?? 0, reason);
    if (res.headersSent || res.writableEnded || res.destroyed) return;
    const body: ErrorBody = { error: reason, ...extra };
    const text = JSON.stringify(body);
    res.statusCode = status;
    if (headers !== undefined) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", String(Buffer.byteLength(text)));
    if (mustClose(req)) {
      // the body was not (fully) read: do not keep the connection, and do not read the rest
      res.setHeader("Connection", "close");
      res.on("finish", () => linger(req));
    }
    res.end(text);
  }

  private report(req: IncomingMessage, status: number, events: number, reason?: string): void {
    const cb = this.opts.onResult;
    if (cb === undefined) return;
    try {
      cb({ status, events, reason, remoteAddress: req.socket?.remoteAddress ?? "" });
    } catch {
      // counters must never break an answer
    }
  }
}

/** Requests whose body we started to read (Node then no longer discards the rest by itself). */
const reading = new WeakSet<IncomingMessage>();
/** Unread bodies up to this size are discarded by Node and the connection kept; larger ones close it. */
const DRAIN_LIMIT = 64 * 1024;

function mustClose(req: IncomingMessage): boolean {
  if (req.complete) return false;
  if (reading.has(req)) return true;
  const declared = declaredLength(req);
  if (declared === undefined) return req.headers["transfer-encoding"] !== undefined;
  return Number.isNaN(declared) || declared > DRAIN_LIMIT;
}

/** After an early answer: give the client a moment to read it, then drop the connection. */
function linger(req: IncomingMessage): void {
  const socket = req.socket;
  if (socket === null || socket === undefined || socket.destroyed) return;
  const t = setTimeout(() => socket.destroy(), 200);
  t.unref();
  socket.once("close", () => clearTimeout(t));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One outcome for the slices of a request: the first failure, else ok. */
function allOutcomes(outcomes: Promise<FlowOutcome>[]): Promise<FlowOutcome> {
  return Promise.all(outcomes).then((list) => list.find((o) => !o.ok) ?? { ok: true });
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Why this request is not a CloudEvent at all (415), decided from the headers alone. */
function notCloudEvent(req: IncomingMessage): string | undefined {
  const ct = req.headers["content-type"];
  const mode = contentModeOf(ct);
  if (mode !== "binary") {
    const media = parseContentType(ct as string).mediaType;
    const expected = mode === "batch" ? CE_BATCH_JSON : CE_JSON;
    return media === expected ? undefined : `unsupported CloudEvents format ${clip(media)} (supported: ${expected})`;
  }
  for (const h of REQUIRED_HEADERS) if (req.headers[h] !== undefined) return undefined;
  return ct === undefined
    ? "not a CloudEvent: no Content-Type and no ce- attribute headers"
    : `not a CloudEvent: content type ${clip(parseContentType(ct).mediaType)} is not a CloudEvents format and there are no ce- attribute headers`;
}

function requestInfo(req: IncomingMessage, path: string): RequestInfo {
  const headers: Record<string, string | string[]> = {};
  const all = req.headers;
  for (const k in all) {
    const v = all[k];
    if (v === undefined || k === "authorization" || k === "proxy-authorization") continue;
    headers[k] = v;
  }
  const url = req.url ?? "";
  const query: Record<string, string> = {};
  const q = url.indexOf("?");
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(url.slice(q + 1))) query[k] = v;
  }
  return {
    method: req.method ?? "POST",
    url,
    path,
    query,
    remoteAddress: req.socket?.remoteAddress ?? "",
    remotePort: req.socket?.remotePort ?? 0,
    headers,
    mode: contentModeOf(single(req.headers["content-type"])),
  };
}
