/**
 * Batched `PutEvents` with per-entry results.
 *
 * - A call carries at most 10 entries whose sizes (as AWS computes them, `entrySize`) total
 *   less than the byte limit. An entry that alone reaches the limit is dead-lettered at once
 *   (`ETOOLARGE`, 0 attempts).
 * - Entries wait at most `flushIntervalMs` for company; a full batch goes at once. At most
 *   `concurrency` calls are in flight; while all are busy, the open batch keeps filling.
 * - Partial failure (HTTP 200 with `FailedEntryCount` > 0): entries failing with
 *   `InternalFailure`/`ThrottlingException` are retried with exponential back-off until
 *   `maxAttempts`; other codes are dead letters carrying the code.
 * - A failed call: throttling, 5xx, timeouts and network errors retry the batch's entries with
 *   back-off; other errors (authentication, authorisation, validation) are final. A
 *   `ValidationException` on a batch of several entries is retried entry by entry once, so one
 *   bad entry cannot take nine good ones down with it.
 * - `close()` aborts calls in flight and drops back-off timers at once; every entry not yet
 *   settled resolves `closed` (neither sent nor dead-lettered).
 *
 * `submit` never rejects.
 */
import { retryDelay, type RetryPolicy } from "../http/retry";
import type { EventBridgeApi, PutEventsOutput } from "./client";
import { entrySize, MAX_BATCH_ENTRIES, type PutEventsEntry } from "./entry";
import { classifyCallError, isRetryableEntryCode, type CallFailure } from "./errors";

export interface PutSent {
  outcome: "sent";
  eventId: string;
  attempts: number;
  durationMs: number;
}

export interface PutFailed {
  outcome: "dead-letter";
  /** AWS error code (per entry or per call), a network error code, or a local one (`ETOOLARGE`) */
  code: string;
  message: string;
  /** HTTP status of the last answer: 200 for an entry EventBridge refused, 0 when there was no answer */
  status: number;
  /** PutEvents calls that carried this entry (0: never sent) */
  attempts: number;
  /** the last failure was retryable and attempts ran out */
  retryable: boolean;
  durationMs: number;
}

export interface PutClosed {
  outcome: "closed";
}

export type PutResult = PutSent | PutFailed | PutClosed;

export interface RetryNotice {
  code: string;
  message: string;
  /** the attempt that failed (1 = first) */
  attempt: number;
  /** entries to retry */
  entries: number;
  delayMs: number;
}

export interface BatcherOptions {
  /** the entries of a call total less than this many bytes */
  maxBatchBytes: number;
  /** wait at most this long for a batch to fill */
  flushIntervalMs: number;
  /** calls in flight at once */
  concurrency: number;
  retry: RetryPolicy;
  /** at most 10 (AWS's limit); for tests */
  maxEntries?: number;
  /** after a failed attempt that will be retried */
  onRetry?: (notice: RetryNotice) => void;
  /** after each call, with its entry count and total size */
  onCall?: (entries: number, bytes: number) => void;
  /** replaces Math.random in the jitter (tests) */
  random?: () => number;
}

interface Item {
  entry: PutEventsEntry;
  size: number;
  /** calls made with this entry so far */
  attempts: number;
  started: number;
  settled: boolean;
  /** send alone (isolating a validation failure) */
  alone: boolean;
  resolve: (r: PutResult) => void;
}

export class PutEventsBatcher {
  private readonly maxEntries: number;
  private open: Item[] = [];
  private openBytes = 0;
  /** the open batch has waited flushIntervalMs */
  private openDue = false;
  private flushTimer: NodeJS.Timeout | undefined;
  /** sealed batches waiting for a free call slot */
  private readonly ready: Item[][] = [];
  private readonly inFlight = new Set<Item[]>();
  private readonly retryTimers = new Map<NodeJS.Timeout, Item[]>();
  /** one controller per call: a shared signal would collect a listener per request */
  private readonly controllers = new Set<AbortController>();
  private closed = false;
  private pending = 0;

  constructor(
    private readonly api: EventBridgeApi,
    private readonly options: BatcherOptions,
  ) {
    this.maxEntries = Math.max(1, Math.min(MAX_BATCH_ENTRIES, options.maxEntries ?? MAX_BATCH_ENTRIES));
  }

  /** Entries submitted and not yet settled. */
  get length(): number {
    return this.pending;
  }

  /** Put one entry; resolves once it is sent, dead-lettered or abandoned by close. */
  submit(entry: PutEventsEntry, size: number = entrySize(entry)): Promise<PutResult> {
    if (this.closed) return Promise.resolve({ outcome: "closed" });
    if (size >= this.options.maxBatchBytes) {
      return Promise.resolve({
        outcome: "dead-letter",
        code: "ETOOLARGE",
        message: `the entry is ${size} bytes; a PutEvents call must stay below ${this.options.maxBatchBytes} bytes`,
        status: 0,
        attempts: 0,
        retryable: false,
        durationMs: 0,
      });
    }
    return new Promise<PutResult>((resolve) => {
      this.pending++;
      this.add({ entry, size, attempts: 0, started: Date.now(), settled: false, alone: false, resolve });
    });
  }

  private add(item: Item): void {
    if (this.closed) return this.settle(item, { outcome: "closed" });
    if (item.alone) {
      this.ready.push([item]);
      this.pump();
      return;
    }
    if (this.open.length > 0 && this.openBytes + item.size >= this.options.maxBatchBytes) this.seal();
    this.open.push(item);
    this.openBytes += item.size;
    if (this.open.length >= this.maxEntries) {
      this.seal();
    } else if (this.flushTimer === undefined && !this.openDue) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.openDue = true;
        this.pump();
      }, this.options.flushIntervalMs);
    }
    this.pump();
  }

  /** Move the open batch to the ready queue. */
  private seal(): void {
    if (this.open.length === 0) return;
    this.ready.push(this.open);
    this.open = [];
    this.openBytes = 0;
    this.openDue = false;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private pump(): void {
    while (!this.closed && this.inFlight.size < this.options.concurrency) {
      if (this.ready.length === 0) {
        if (!this.openDue || this.open.length === 0) return;
        this.seal();
      }
      const batch = this.ready.shift();
      if (batch === undefined) return;
      this.send(batch);
    }
  }

  private send(batch: Item[]): void {
    this.inFlight.add(batch);
    let bytes = 0;
    for (const item of batch) {
      item.attempts++;
      bytes += item.size;
    }
    try {
      this.options.onCall?.(batch.length, bytes);
    } catch {
      // an observer must not break delivery
    }
    const controller = new AbortController();
    this.controllers.add(controller);
    let call: Promise<PutEventsOutput>;
    try {
      call = this.api.putEvents(
        batch.map((i) => i.entry),
        controller.signal,
      );
    } catch (err) {
      call = Promise.reject(err);
    }
    call.then(
      (out) => {
        this.controllers.delete(controller);
        this.inFlight.delete(batch);
        this.answered(batch, out);
        this.pump();
      },
      (err: unknown) => {
        this.controllers.delete(controller);
        this.inFlight.delete(batch);
        this.failed(batch, classifyCallError(err));
        this.pump();
      },
    );
  }

  /** HTTP 200: match the result entries to the request entries, in order. */
  private answered(batch: Item[], out: PutEventsOutput): void {
    if (this.closed) return;
    const results = Array.isArray(out.Entries) ? out.Entries : [];
    const retry: Item[] = [];
    let first: { code: string; message: string } | undefined;
    batch.forEach((item, i) => {
      const r = results[i];
      const eventId = r?.EventId;
      const errorCode = r?.ErrorCode;
      if (typeof eventId === "string" && eventId !== "" && (errorCode === undefined || errorCode === null || errorCode === "")) {
        this.settle(item, { outcome: "sent", eventId, attempts: item.attempts, durationMs: Date.now() - item.started });
        return;
      }
      const code = typeof errorCode === "string" && errorCode !== "" ? errorCode : "InternalFailure";
      const message =
        typeof r?.ErrorMessage === "string" && r.ErrorMessage !== ""
          ? r.ErrorMessage
          : r === undefined
            ? "EventBridge returned no result for this entry"
            : "EventBridge returned neither an event id nor an error code";
      if (isRetryableEntryCode(code) && item.attempts < this.options.retry.maxAttempts) {
        retry.push(item);
        first ??= { code, message };
        return;
      }
      this.settle(item, {
        outcome: "dead-letter",
        code,
        message: isRetryableEntryCode(code) ? `${message} (gave up after ${item.attempts} attempts)` : message,
        status: 200,
        attempts: item.attempts,
        retryable: isRetryableEntryCode(code),
        durationMs: Date.now() - item.started,
      });
    });
    if (first !== undefined) this.retryLater(retry, first.code, first.message);
  }

  private failed(batch: Item[], f: CallFailure): void {
    if (this.closed || f.aborted) {
      for (const item of batch) this.settle(item, { outcome: "closed" });
      return;
    }
    if (!f.retryable && f.code === "ValidationException" && batch.length > 1) {
      // one entry may be at fault: try each alone, once
      for (const item of batch) {
        item.alone = true;
        this.ready.push([item]);
      }
      return;
    }
    const retry: Item[] = [];
    for (const item of batch) {
      if (f.retryable && item.attempts < this.options.retry.maxAttempts) {
        retry.push(item);
        continue;
      }
      const status = f.status !== 0 ? `HTTP ${f.status} ` : "";
      this.settle(item, {
        outcome: "dead-letter",
        code: f.code,
        message: f.retryable ? `${status}${f.code}: ${f.message} (gave up after ${item.attempts} attempts)` : `${status}${f.code}: ${f.message}`,
        status: f.status,
        attempts: item.attempts,
        retryable: f.retryable,
        durationMs: Date.now() - item.started,
      });
    }
    if (retry.length > 0) this.retryLater(retry, f.code, f.message);
  }

  /** One timer for a group of entries that failed together on the same attempt. */
  private retryLater(items: Item[], code: string, message: string): void {
    const attempt = items.reduce((n, i) => Math.max(n, i.attempts), 0);
    const delayMs = retryDelay(this.options.retry, attempt, undefined, this.options.random);
    try {
      this.options.onRetry?.({ code, message, attempt, entries: items.length, delayMs });
    } catch {
      // a status display must not break delivery
    }
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      for (const item of items) this.add(item);
    }, delayMs);
    this.retryTimers.set(timer, items);
  }

  private settle(item: Item, result: PutResult): void {
    if (item.settled) return;
    item.settled = true;
    this.pending--;
    item.resolve(result);
  }

  /** Abort everything at once: calls in flight, back-off waits, batches not yet sent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.controllers) c.abort();
    this.controllers.clear();
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const closed: PutClosed = { outcome: "closed" };
    for (const item of this.open) this.settle(item, closed);
    this.open = [];
    for (const batch of this.ready.splice(0)) for (const item of batch) this.settle(item, closed);
    for (const batch of this.inFlight) for (const item of batch) this.settle(item, closed);
    this.inFlight.clear();
    for (const [timer, items] of this.retryTimers) {
      clearTimeout(timer);
      for (const item of items) this.settle(item, closed);
    }
    this.retryTimers.clear();
  }
}
