/**
 * The delivery queue: jobs run in order; with concurrency 1 (the default) exactly one job is in
 * flight and the next starts only after the previous one was delivered or dead-lettered.
 */
import { setMaxListeners } from "node:events";
import { closedResult, type DeliveryResult } from "./result";
import { SlotMap } from "../common/slot-map";

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
  /** a slot map, not a Set: one job comes and goes per event (lib/common/slot-map.ts) */
  private readonly runningJobs = new SlotMap<Promise<void>>();

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
      let key = -1;
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
          this.runningJobs.delete(key);
          try {
            p.resolve(r);
          } finally {
            this.pump();
            this.checkIdle();
          }
        });
      key = this.runningJobs.add(settled);
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
    const inflight = this.runningJobs.values();
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
