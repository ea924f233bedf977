/**
 * The `knative-out` sink: a payload becomes a CloudEvent (or is wrapped as the data of one),
 * is encoded in binary or structured mode and delivered with retries per the Knative delivery
 * spec. Free of Node-RED; nodes/sink-node.ts maps messages, outputs and status onto it.
 */
import { toCloudEvent } from "../../cloudevents/event";
import { toHttp } from "../../cloudevents/http";
import { HttpDelivery } from "../../http/http-delivery";
import type { AttemptFailure, FailedResult } from "../../http/result";
import { KNATIVE_RETRYABLE } from "../../http/retryable";
import type { HttpRequest } from "../../http/sender";
import { SinkCounters } from "../counters";
import { invalidEventResult, type SinkResult } from "../result";
import { scrubAttempt, scrubResult } from "../scrub-result";
import { KNATIVE_DEFAULTS, type KnativeSettings } from "./settings";

export interface KnativeSinkOptions {
  /** after each failed attempt (status: "retrying") */
  onAttemptFailed?: (failure: AttemptFailure) => void;
  /** for tests: replaces Math.random in the jitter */
  random?: () => number;
}

export class KnativeSink {
  readonly counters = new SinkCounters();
  private readonly delivery: HttpDelivery;

  constructor(
    readonly settings: KnativeSettings,
    options: KnativeSinkOptions = {},
  ) {
    this.delivery = new HttpDelivery({
      insecureSSL: settings.insecureSSL,
      requestTimeoutMs: settings.timeoutMs,
      connectTimeoutMs: Math.min(settings.timeoutMs, 10_000),
      concurrency: settings.concurrency,
      connectionsPerOrigin: Math.max(1, Math.min(settings.concurrency, 64)),
      userAgent: "node-red-vmware knative-out",
      retryable: KNATIVE_RETRYABLE,
      retry: {
        maxAttempts: settings.retries + 1,
        backoffDelayMs: settings.backoffDelayMs,
        maxDelayMs: KNATIVE_DEFAULTS.maxDelayMs,
      },
      onAttemptFailed: scrubAttempt(settings.secrets, (f: AttemptFailure) => {
        this.counters.attemptFailed(f);
        options.onAttemptFailed?.(f);
      }),
      ...(options.random !== undefined ? { random: options.random } : {}),
    });
  }

  /**
   * Deliver one payload: a CloudEvent object is sent as is (after validation), anything else
   * is wrapped. Requests start in call order. Never rejects: an invalid event is a dead
   * letter with 0 attempts; a delivery ended by close() has the outcome `closed`.
   */
  deliver(payload: unknown): Promise<SinkResult> {
    return this.send(payload).then((sent) => {
      const r = scrubResult(this.settings.secrets, sent);
      this.counters.record(r);
      return r;
    });
  }

  private send(payload: unknown): Promise<SinkResult> {
    // In order, the next request is encoded on arrival, ready the moment the previous one is
    // answered; with several in flight, it is encoded when its turn comes, so only the
    // requests on the wire hold a body (less for the garbage collector to copy).
    if (this.settings.concurrency === 1) {
      const r = this.encode(payload);
      return "ok" in r ? Promise.resolve(r) : this.delivery.deliver(r);
    }
    return this.delivery.deliver(() => this.encode(payload));
  }

  private encode(payload: unknown): HttpRequest | FailedResult {
    let headers: Record<string, string>;
    let body: string | Buffer;
    try {
      // toCloudEvent validates (a payload that is a CloudEvent) or builds a valid one: once is enough
      const m = toHttp(toCloudEvent(payload, this.settings.wrap), this.settings.encoding, { validate: false });
      headers = m.headers;
      body = m.body;
    } catch (err) {
      return invalidEventResult(err);
    }
    if (this.settings.authorization !== undefined) headers.authorization = this.settings.authorization;
    return { url: this.settings.url, headers, body };
  }

  /** Events waiting or in flight. */
  get length(): number {
    return this.delivery.length;
  }

  /** Everything waiting or in flight resolves `closed`; sockets closed; about 1 s at most. */
  close(): Promise<void> {
    return this.delivery.close();
  }
}
