/**
 * The `eventbridge-out` engine, free of Node-RED: a payload becomes a CloudEvent (or the data of
 * one), then the PutEvents entry; with a rule configured, the envelope EventBridge would build
 * is matched against the rule's pattern first, and events the rule would not match are
 * `filtered` (not sent). The rest go through the batcher.
 *
 * Every `submit` resolves exactly once with `sent`, `dead-letter`, `filtered` or `closed`
 * (abandoned by close: neither sent nor dead-lettered). It never rejects.
 */
import { toCloudEvent, type CloudEvent } from "../cloudevents/event";
import { resolveRetryPolicy, type RetryPolicy } from "../delivery/retry";
import { PutEventsBatcher, type ClosedResult, type FailedResult, type PutResult, type RetryNotice, type SentResult } from "./batcher";
import { createEventBridgeApi, type EventBridgeApi } from "./client";
import { buildEntry, EntryError, eventEnvelope, type EntryParts } from "./entry";
import { RuleWatcher, type RuleState } from "./rule";
import type { EventBridgeSettings } from "./settings";

export interface FilteredResult {
  outcome: "filtered";
}

export type SinkResult = SentResult | FailedResult | ClosedResult | FilteredResult;

/** Entry retries: 10 attempts, waits 200 ms, 400 ms, … at most 20 s (about a minute in all). */
export const EVENTBRIDGE_RETRY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 10,
  backoffDelayMs: 100,
  maxDelayMs: 20_000,
  jitter: 0.2,
  honorRetryAfter: false,
});

/** PutEvents calls in flight at once. */
export const DEFAULT_CONCURRENCY = 8;
/** Events waiting for the rule's first look-up; more are dead-lettered (`ERULE`). */
export const MAX_WAITING_FOR_RULE = 10_000;

export interface EventBridgeSinkOptions {
  /** default: the AWS SDK client built from the settings */
  api?: EventBridgeApi;
  refreshIntervalMs?: number;
  errorRetryMs?: number;
  retry?: Partial<RetryPolicy>;
  concurrency?: number;
  maxWaitingForRule?: number;
  onRetry?: (notice: RetryNotice) => void;
  onRuleChange?: (state: RuleState, previous: RuleState) => void;
  onCall?: (entries: number, bytes: number) => void;
  random?: () => number;
}

export class SinkCounts {
  sent = 0;
  filtered = 0;
  failed = 0;
  lastError: string | undefined;
  /** the most recent result was a failure */
  lastFailed = false;
  /** a retry is waiting: why */
  retrying: RetryNotice | undefined;
}

function failed(code: string, message: string): FailedResult {
  return { outcome: "dead-letter", code, message, status: 0, attempts: 0, retryable: false, durationMs: 0 };
}

export class EventBridgeSink {
  readonly counts = new SinkCounts();
  private readonly api: EventBridgeApi;
  private readonly batcher: PutEventsBatcher;
  private readonly watcher: RuleWatcher | undefined;
  private readonly maxWaiting: number;
  private waiting = 0;
  private closed = false;

  constructor(
    readonly settings: EventBridgeSettings,
    options: EventBridgeSinkOptions = {},
  ) {
    this.api =
      options.api ??
      createEventBridgeApi({
        region: settings.region,
        ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
        ...(settings.credentials !== undefined ? { credentials: settings.credentials } : {}),
      });
    this.maxWaiting = options.maxWaitingForRule ?? MAX_WAITING_FOR_RULE;
    this.batcher = new PutEventsBatcher(this.api, {
      maxBatchBytes: settings.maxBatchBytes,
      flushIntervalMs: settings.flushIntervalMs,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      retry: resolveRetryPolicy({ ...EVENTBRIDGE_RETRY, ...options.retry }),
      onRetry: (n) => {
        this.counts.retrying = n;
        options.onRetry?.(n);
      },
      ...(options.onCall !== undefined ? { onCall: options.onCall } : {}),
      ...(options.random !== undefined ? { random: options.random } : {}),
    });
    this.watcher =
      settings.rule === undefined
        ? undefined
        : new RuleWatcher(this.api, settings.bus, settings.rule, {
            ...(options.refreshIntervalMs !== undefined ? { refreshIntervalMs: options.refreshIntervalMs } : {}),
            ...(options.errorRetryMs !== undefined ? { errorRetryMs: options.errorRetryMs } : {}),
            ...(options.random !== undefined ? { random: options.random } : {}),
            ...(options.onRuleChange !== undefined ? { onChange: options.onRuleChange } : {}),
          });
  }

  /** Begin reading the rule (no-op without one). */
  start(): void {
    this.watcher?.start();
  }

  /** The rule's state; undefined when no rule is configured (every event is sent). */
  get ruleState(): RuleState | undefined {
    return this.watcher?.state;
  }

  /** Read the rule again now (tests, or an editor button). */
  refreshRule(): Promise<void> {
    return this.watcher?.refresh() ?? Promise.resolve();
  }

  /** Events accepted and not yet settled (waiting for the rule, batched, in flight, backing off). */
  get length(): number {
    return this.waiting + this.batcher.length;
  }

  /** Deliver one payload (`msg.payload`, with `msg.topic`). Never rejects. */
  async submit(payload: unknown, topic: unknown): Promise<SinkResult> {
    const result = await this.process(payload, topic);
    this.record(result);
    return result;
  }

  private async process(payload: unknown, topic: unknown): Promise<SinkResult> {
    if (this.closed) return { outcome: "closed" };
    let event: CloudEvent;
    let parts: EntryParts;
    try {
      event = toCloudEvent(payload, this.settings.wrap);
      parts = buildEntry(event, topic, this.settings.bus.value);
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      return err instanceof EntryError ? failed("EINVALIDENTRY", text) : failed("EINVALIDEVENT", `invalid CloudEvent: ${text}`);
    }
    if (this.watcher !== undefined) {
      let state = this.watcher.state;
      if (state.state === "loading") {
        if (this.waiting >= this.maxWaiting) {
          return failed("ERULE", `the rule's event pattern is not known yet${state.reason !== undefined ? ` (${state.reason})` : ""}; ${this.waiting} events are already waiting`);
        }
        this.waiting++;
        try {
          await this.watcher.settled();
        } finally {
          this.waiting--;
        }
        state = this.watcher.state;
      }
      switch (state.state) {
        case "closed":
        case "loading":
          return { outcome: "closed" };
        case "error":
          return failed("ERULE", state.reason);
        case "ready":
        case "stale": {
          const envelope = eventEnvelope(parts.entry, parts.detail, {
            account: state.rule.account ?? this.settings.bus.account ?? "",
            region: this.settings.region,
          });
          if (!state.pattern.matches(envelope)) return { outcome: "filtered" };
          break;
        }
        case "unfilterable":
          break;
      }
    }
    if (this.closed) return { outcome: "closed" };
    const r: PutResult = await this.batcher.submit(parts.entry, parts.size);
    return r;
  }

  private record(r: SinkResult): void {
    const c = this.counts;
    switch (r.outcome) {
      case "sent":
        c.sent++;
        c.lastFailed = false;
        c.retrying = undefined;
        break;
      case "dead-letter":
        c.failed++;
        c.lastFailed = true;
        c.lastError = r.message;
        c.retrying = undefined;
        break;
      case "filtered":
        c.filtered++;
        break;
      case "closed":
        break;
    }
  }

  /** Abort everything at once; pending submits resolve `closed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    this.batcher.close();
    try {
      this.api.destroy();
    } catch {
      // nothing left to do
    }
  }
}
