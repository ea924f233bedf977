/**
 * The `eventbridge-out` sink, free of Node-RED: a payload becomes a CloudEvent (or the data of
 * one), then the PutEvents entry; with a rule configured, the envelope EventBridge would build
 * is matched against the rule's pattern first, and events the rule would not match are
 * `filtered` (not sent). The rest go through the batcher (lib/eventbridge/batcher.ts).
 *
 * Every `deliver` resolves exactly once with `delivered`, `dead-letter`, `filtered` or `closed`
 * (abandoned by close: neither sent nor dead-lettered). It never rejects.
 */
import { toCloudEvent, type CloudEvent } from "../../cloudevents/event";
import { PutEventsBatcher, type PutResult, type RetryNotice } from "../../eventbridge/batcher";
import { createEventBridgeApi, type EventBridgeApi } from "../../eventbridge/client";
import { buildEntry, EntryError, eventEnvelope, type EntryParts } from "../../eventbridge/entry";
import { RuleWatcher, type RuleState } from "../../eventbridge/rule";
import { closedResult } from "../../http/result";
import { resolveRetryPolicy, type RetryPolicy } from "../../http/retry";
import { SinkCounters } from "../counters";
import { FILTERED, invalidEventResult, localFailure, type SinkResult } from "../result";
import { scrubResult } from "../scrub-result";
import type { EventBridgeSettings } from "./settings";

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

/** A dead letter made here: `reason` leads with the code, as the batcher's do. */
function failed(code: string, message: string): SinkResult {
  return localFailure(code, `${code}: ${message}`, message);
}

/** The batcher's result as the sinks' result. */
function fromPut(r: PutResult): SinkResult {
  switch (r.outcome) {
    case "sent":
      return { ok: true, outcome: "delivered", statusCode: 200, bodyExcerpt: "", headers: {}, attempts: r.attempts, durationMs: r.durationMs, id: r.eventId };
    case "dead-letter":
      return {
        ok: false,
        outcome: "dead-letter",
        reason: `${r.code}: ${r.message}`,
        message: r.message,
        code: r.code,
        statusCode: r.status,
        attempts: r.attempts,
        retryable: r.retryable,
        durationMs: r.durationMs,
      };
    case "closed":
      return closedResult(0, performance.now());
  }
}

export class EventBridgeSink {
  readonly counters = new SinkCounters();
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
        requestTimeoutMs: settings.timeoutMs,
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
        const notice = this.settings.secrets.empty ? n : { ...n, message: this.settings.secrets.scrub(n.message) };
        this.counters.attemptFailed({ attempt: n.attempt, reason: n.code, retryable: true, nextDelayMs: n.delayMs });
        options.onRetry?.(notice);
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
            ...(options.onRuleChange !== undefined ? { onChange: this.scrubRuleChange(options.onRuleChange) } : {}),
          });
  }

  /** Begin reading the rule (no-op without one). */
  start(): void {
    this.watcher?.start();
  }

  /** The rule's state; undefined when no rule is configured (every event is sent). */
  get ruleState(): RuleState | undefined {
    const state = this.watcher?.state;
    return state === undefined ? undefined : this.scrubRule(state);
  }

  /** A rule state with the endpoint's texts scrubbed of the keys. */
  private scrubRule(state: RuleState): RuleState {
    const s = this.settings.secrets;
    if (s.empty) return state;
    if (state.state === "stale") return { ...state, reason: s.scrub(state.reason), brief: s.scrub(state.brief) };
    if (state.state === "loading") return state.reason === undefined ? state : { ...state, reason: s.scrub(state.reason) };
    if (state.state === "unfilterable" || state.state === "error") return { ...state, reason: s.scrub(state.reason) };
    return state;
  }

  private scrubRuleChange(fn: (state: RuleState, previous: RuleState) => void): (state: RuleState, previous: RuleState) => void {
    return (state, previous) => fn(this.scrubRule(state), this.scrubRule(previous));
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
  async deliver(payload: unknown, topic: unknown): Promise<SinkResult> {
    const result = scrubResult(this.settings.secrets, await this.process(payload, topic));
    this.counters.record(result);
    return result;
  }

  private async process(payload: unknown, topic: unknown): Promise<SinkResult> {
    if (this.closed) return closedResult(0, performance.now());
    let event: CloudEvent;
    let parts: EntryParts;
    try {
      event = toCloudEvent(payload, this.settings.wrap);
      parts = buildEntry(event, topic, this.settings.bus.value);
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      if (err instanceof EntryError) return failed("EINVALIDENTRY", text);
      const r = invalidEventResult(err);
      return failed("EINVALIDEVENT", r.reason);
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
          return closedResult(0, performance.now());
        case "error":
          return failed("ERULE", state.reason);
        case "ready":
        case "stale": {
          const envelope = eventEnvelope(parts.entry, parts.detail, {
            account: state.rule.account ?? this.settings.bus.account ?? "",
            region: this.settings.region,
          });
          if (!state.pattern.matches(envelope)) return FILTERED;
          break;
        }
        case "unfilterable":
          break;
      }
    }
    if (this.closed) return closedResult(0, performance.now());
    return fromPut(await this.batcher.submit(parts.entry, parts.size));
  }

  /** Abort everything at once; pending deliveries resolve `closed`. */
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
