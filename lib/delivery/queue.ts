/**
 * Delivery with retries, and the delivery queue.
 *
 * `deliverWithRetry` makes attempts through an `HttpSender` until the request is delivered
 * (2xx), answered with a final status, or out of attempts; it never rejects.
 * `DeliveryQueue` runs such jobs in order: with concurrency 1 (the default) exactly one job is
 * in flight and the next starts only after the previous one was delivered or dead-lettered.
 * `HttpDelivery` bundles sender, retry policy, retryable table and queue for a sink node.
 */
import { setMaxListeners } from "node:events";
import { describeStatus, type HttpRequest, HttpSender, type HttpSenderOptions, type ResponseHeaders, type SendOutcome } from "./sender";
import { parseRetryAfter, resolveRetryPolicy, retryDelay, type RetryPolicy, sleep } from "./retry";
import { isRetryableStatus, KNATIVE_RETRYABLE, type RetryableStatusTable } from "./retryable";

export interface DeliveredResult {
  ok: true;
  outcome: "delivered";
  statusCode: number;
  /** start of the response body (see `responseBodyLimit`) */
  bodyExcerpt: string;
  headers: ResponseHeaders;
  attempts: number;
  durationMs: number;
}

export interface FailedResult {
  ok: false;
  /** `dead-letter`: final answer or attempts exhausted; `closed`: the queue was closed first */
  outcome: "dead-letter" | "closed";
  /** last HTTP status, when there was an answer */
  statusCode?: number;
  /** e.g. `HTTP 400 Bad Request`, `HTTP 503 Service Unavailable (gave up after 11 attempts)`,
   *  `connect ECONNREFUSED 127.0.0.1:8080`, `closed` */
  reason: string;
  /** transport error code (ECONNREFUSED, ETIMEOUT, ...) when there was no answer */
  code?: string;
  bodyExcerpt?: string;
  attempts: number;
  /** true when the last failure was retryable (attempts exhausted, or closed); false for a final answer */
  retryable: boolean;
  durationMs: number;
}

export type DeliveryResult = DeliveredResult | FailedResult;

/** Reported after every failed attempt (for status displays and logs). */
export interface AttemptFailure {
  attempt: number;
  statusCode?: number;
  reason: string;
  retryable: boolean;
  /** wait before the next attempt; undefined when this was the last attempt */
  nextDelayMs?: number;
}

export interface RetryOptions {
  retry?: Partial<RetryPolicy>;
  /** default KNATIVE_RETRYABLE */
  retryable?: RetryableStatusTable;
  onAttemptFailed?: (failure: AttemptFailure) => void;
  /** for tests: replaces Math.random in the jitter */
  random?: () => number;
}

function describeOutcome(o: SendOutcome): string {
  return o.kind === "response" ? describeStatus(o.statusCode) : o.error.message || o.error.code;
}

function closedResult(attempts: number, started: number, statusCode?: number): FailedResult {
  const r: FailedResult = {
    ok: false,
    outcome: "closed",
    reason: "closed",
    attempts,
    retryable: true,
    durationMs: performance.now() - started,
  };
  if (statusCode !== undefined) r.statusCode = statusCode;
  return r;
}

/**
 * Deliver one request with retries. Never rejects; `signal` aborts the attempt in flight and
 * any back-off wait, giving the `closed` outcome.
 */
export async function deliverWithRetry(
  sender: HttpSender,
  request: HttpRequest,
  options: RetryOptions = {},
  signal?: AbortSignal,
): Promise<DeliveryResult> {
  const policy = resolveRetryPolicy(options.retry);
  const table = options.retryable ?? KNATIVE_RETRYABLE;
  const started = performance.now();
  let attempts = 0;
  let lastStatus: number | undefined;
  for (;;) {
    if (signal?.aborted || sender.closed) return closedResult(attempts, started, lastStatus);
    attempts++;
    let outcome: SendOutcome;
    try {
      outcome = await sender.send(request, signal);
    } catch (err) {
      // send() does not reject; this only guards against the unexpected
      outcome = { kind: "error", error: { kind: "network", code: "EUNEXPECTED", message: String(err) }, durationMs: 0 };
    }
    let retryable: boolean;
    let retryAfterMs: number | undefined;
    if (outcome.kind === "response") {
      lastStatus = outcome.statusCode;
      if (outcome.statusCode >= 200 && outcome.statusCode < 300) {
        return {
          ok: true,
          outcome: "delivered",
          statusCode: outcome.statusCode,
          bodyExcerpt: outcome.body,
          headers: outcome.headers,
          attempts,
          durationMs: performance.now() - started,
        };
      }
      retryable = isRetryableStatus(table, outcome.statusCode);
      if (retryable) retryAfterMs = parseRetryAfter(outcome.headers["retry-after"]);
    } else {
      const k = outcome.error.kind;
      if (k === "closed") return closedResult(attempts, started, lastStatus);
      retryable =
        k === "invalid-request" ? false : k === "tls" ? table.transportErrors && table.tlsErrors : table.transportErrors;
    }
    const last = !retryable || attempts >= policy.maxAttempts;
    const nextDelayMs = last ? undefined : retryDelay(policy, attempts, retryAfterMs, options.random);
    if (options.onAttemptFailed) {
      try {
        const f: AttemptFailure = { attempt: attempts, reason: describeOutcome(outcome), retryable };
        if (outcome.kind === "response") f.statusCode = outcome.statusCode;
        if (nextDelayMs !== undefined) f.nextDelayMs = nextDelayMs;
        options.onAttemptFailed(f);
      } catch {
        // a listener's bug must not break delivery
      }
    }
    if (last) {
      let reason = describeOutcome(outcome);
      if (retryable && attempts > 1) reason += ` (gave up after ${attempts} attempts)`;
      const r: FailedResult = {
        ok: false,
        outcome: "dead-letter",
        reason,
        attempts,
        retryable,
        durationMs: performance.now() - started,
      };
      if (outcome.kind === "response") {
        r.statusCode = outcome.statusCode;
        r.bodyExcerpt = outcome.body;
      } else {
        r.code = outcome.error.code;
        if (lastStatus !== undefined) r.statusCode = lastStatus;
      }
      return r;
    }
    const slept = await sleep(nextDelayMs as number, signal);
    if (!slept) return closedResult(attempts, started, lastStatus);
  }
}

// ---------------------------------------------------------------------------------------------

export interface DeliveryQueueOptions {
  /** Jobs in flight at once (default 1 = ordered delivery). */
  concurrency?: number;
  /** Jobs waiting (not in flight) beyond which `push` answers `queue full` at once (default unbounded). */
  maxQueued?: number;
}

/** A job: do the work, honour `signal` (the queue's close), never reject (rejections are caught). */
export type DeliveryJob = (signal: AbortSignal) => Promise<DeliveryResult>;

interface Pending {
  job: DeliveryJob;
  resolve: (r: DeliveryResult) => void;
}

/**
 * FIFO job queue with bounded concurrency. Jobs start in push order; with concurrency 1 each
 * starts after the previous one settled. `push` never rejects. `close()` resolves every
 * waiting job with the `closed` outcome at once and aborts the jobs in flight.
 */
export class DeliveryQueue {
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly waiting: (Pending | undefined)[] = [];
  private head = 0;
  private running = 0;
  private readonly abort = new AbortController();
  private idleWaiters: (() => void)[] = [];
  private readonly runningJobs = new Set<Promise<void>>();

  constructor(options: DeliveryQueueOptions = {}) {
    const c = options.concurrency ?? 1;
    this.concurrency = Number.isFinite(c) && c >= 1 ? Math.floor(c) : 1;
    const m = options.maxQueued ?? Infinity;
    this.maxQueued = m >= 0 ? m : Infinity;
    // every job in flight listens to this signal (the request and the back-off wait)
    setMaxListeners(0, this.abort.signal);
  }

  /** Jobs waiting plus jobs in flight: use it for backpressure. */
  get length(): number {
    return this.pending + this.running;
  }
  get pending(): number {
    return this.waiting.length - this.head;
  }
  get inFlight(): number {
    return this.running;
  }
  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  push(job: DeliveryJob): Promise<DeliveryResult> {
    if (this.closed) return Promise.resolve(closedResult(0, performance.now()));
    if (this.pending >= this.maxQueued) {
      return Promise.resolve<DeliveryResult>({
        ok: false,
        outcome: "dead-letter",
        reason: `queue full (${this.pending} waiting)`,
        code: "EQUEUEFULL",
        attempts: 0,
        retryable: true,
        durationMs: 0,
      });
    }
    return new Promise<DeliveryResult>((resolve) => {
      this.waiting.push({ job, resolve });
      this.pump();
    });
  }

  /** Resolves when nothing is waiting or in flight. */
  onIdle(): Promise<void> {
    if (this.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private take(): Pending | undefined {
    if (this.head >= this.waiting.length) return undefined;
    const p = this.waiting[this.head];
    this.waiting[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    return p;
  }

  private pump(): void {
    while (this.running < this.concurrency && !this.closed) {
      const p = this.take();
      if (!p) break;
      this.running++;
      const started = performance.now();
      let result: Promise<DeliveryResult>;
      try {
        result = p.job(this.abort.signal);
      } catch (err) {
        result = Promise.reject(err);
      }
      const settled = result
        .catch((err: unknown): DeliveryResult =>
          this.closed
            ? closedResult(0, started)
            : {
                ok: false,
                outcome: "dead-letter",
                reason: `delivery failed: ${err instanceof Error ? err.message : String(err)}`,
                attempts: 0,
                retryable: false,
                durationMs: performance.now() - started,
              },
        )
        .then((r) => {
          this.running--;
          this.runningJobs.delete(settled);
          try {
            p.resolve(r);
          } finally {
            this.pump();
            this.checkIdle();
          }
        });
      this.runningJobs.add(settled);
    }
  }

  private checkIdle(): void {
    if (this.length !== 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * Close: waiting jobs resolve `closed` now, jobs in flight are aborted (they resolve
   * `closed` too). Resolves once the jobs in flight have settled, at most `graceMs` later.
   */
  close(graceMs = 1000): Promise<void> {
    if (!this.closed) {
      this.abort.abort();
      const now = performance.now();
      for (let p = this.take(); p; p = this.take()) p.resolve(closedResult(0, now));
      this.waiting.length = 0;
      this.head = 0;
    }
    const inflight = [...this.runningJobs];
    if (inflight.length === 0) {
      this.checkIdle();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      timer.unref();
      void Promise.all(inflight).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

// ---------------------------------------------------------------------------------------------

export interface HttpDeliveryOptions extends HttpSenderOptions, DeliveryQueueOptions, RetryOptions {
  /** Use this sender instead of creating one (it is then not closed by `close()`). */
  sender?: HttpSender;
}

/**
 * What a sink node holds: `deliver(request)` queues one HTTP request and resolves with its
 * result (delivered / dead-letter / closed); it never rejects.
 */
export class HttpDelivery {
  readonly sender: HttpSender;
  private readonly ownsSender: boolean;
  private readonly queue: DeliveryQueue;
  private readonly retryOptions: RetryOptions;

  constructor(options: HttpDeliveryOptions = {}) {
    this.ownsSender = options.sender === undefined;
    this.sender = options.sender ?? new HttpSender(options);
    const queueOptions: DeliveryQueueOptions = {};
    if (options.concurrency !== undefined) queueOptions.concurrency = options.concurrency;
    if (options.maxQueued !== undefined) queueOptions.maxQueued = options.maxQueued;
    this.queue = new DeliveryQueue(queueOptions);
    this.retryOptions = {};
    if (options.retry !== undefined) this.retryOptions.retry = options.retry;
    if (options.retryable !== undefined) this.retryOptions.retryable = options.retryable;
    if (options.onAttemptFailed !== undefined) this.retryOptions.onAttemptFailed = options.onAttemptFailed;
    if (options.random !== undefined) this.retryOptions.random = options.random;
  }

  /**
   * `request` may be a function that builds the request when its turn comes (or answers the
   * failure that makes building impossible), so that the encoded body lives only while it is
   * sent instead of while it waits in the queue.
   */
  deliver(request: HttpRequest | (() => HttpRequest | FailedResult)): Promise<DeliveryResult> {
    if (typeof request !== "function") return this.queue.push((signal) => deliverWithRetry(this.sender, request, this.retryOptions, signal));
    return this.queue.push((signal) => {
      const r = request();
      return "ok" in r ? Promise.resolve(r) : deliverWithRetry(this.sender, r, this.retryOptions, signal);
    });
  }

  get length(): number {
    return this.queue.length;
  }
  get pending(): number {
    return this.queue.pending;
  }
  get inFlight(): number {
    return this.queue.inFlight;
  }
  get closed(): boolean {
    return this.queue.closed;
  }
  onIdle(): Promise<void> {
    return this.queue.onIdle();
  }

  /** Everything waiting or in flight resolves `closed`; sockets are destroyed; ≤ about 1 s. */
  async close(): Promise<void> {
    const q = this.queue.close(1000);
    const s = this.ownsSender ? this.sender.close() : Promise.resolve();
    await Promise.all([q, s]);
  }
}
