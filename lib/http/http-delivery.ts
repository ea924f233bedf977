/**
 * `HttpDelivery` bundles sender, retry policy, retryable table and queue for a sink.
 */
import { type DeliveryQueueOptions, DeliveryQueue } from "./queue";
import type { DeliveryResult, FailedResult } from "./result";
import { deliverWithRetry, type RetryOptions } from "./deliver-with-retry";
import { type HttpRequest, HttpSender, type HttpSenderOptions } from "./sender";

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
