/**
 * The `openfaas-out` sink: discovers the gateway's functions and their `topic` annotations
 * (lib/openfaas), and invokes every function subscribed to a message's topic with the
 * structured CloudEvent, synchronously or asynchronously, with retries (429 and 5xx except
 * 501, as the VMware Event Router). Free of Node-RED.
 *
 * Messages that arrive before the first function list wait for it, in order; if the gateway
 * cannot be listed `retries + 1` times in a row after a message arrived, that message is
 * dead-lettered (it cannot wait forever, and nothing can be invoked without the list).
 */
import { toCloudEvent } from "../../cloudevents/event";
import { toStructured } from "../../cloudevents/http";
import { deliverWithRetry, type RetryOptions } from "../../http/deliver-with-retry";
import { DeliveryQueue } from "../../http/queue";
import type { AttemptFailure, DeliveryResult } from "../../http/result";
import { OPENFAAS_RETRYABLE } from "../../http/retryable";
import { HttpSender } from "../../http/sender";
import { type DiscoveryState, FunctionDiscovery, type RefreshReport } from "../../openfaas/discovery";
import { GatewayClient, MAX_LIST_BYTES } from "../../openfaas/gateway";
import type { FunctionRef, TopicMap } from "../../openfaas/topics";
import { SinkCounters } from "../counters";
import { type DeliverySummary, invalidEventResult, localFailure, type TargetResult } from "../result";
import { scrubAttempt, scrubResult } from "../scrub-result";
import { OPENFAAS_DEFAULTS, type OpenFaasSettings } from "./settings";

/** One invocation's outcome; `fn` is undefined when no function list could be had. */
export interface InvocationResult extends TargetResult {
  fn: FunctionRef | undefined;
  result: DeliveryResult;
}

export interface InvocationSummary extends DeliverySummary {
  /** functions subscribed to the topic */
  matched: number;
  results: InvocationResult[];
}

export interface OpenFaasSinkOptions {
  onDiscoveryState?: (state: DiscoveryState) => void;
  onRefresh?: (report: RefreshReport) => void;
  onAttemptFailed?: (failure: AttemptFailure, fn: FunctionRef) => void;
  /** for tests: replaces Math.random in the jitter */
  random?: () => number;
}

interface Held {
  topic: string | undefined;
  payload: unknown;
  onResult: (r: InvocationResult) => void;
  resolve: (s: InvocationSummary) => void;
  /** discovery failures counted when the message arrived */
  failuresAtArrival: number;
}

const CLOSED_SUMMARY: InvocationSummary = Object.freeze({ matched: 0, results: [], closed: true });

export class OpenFaasSink {
  readonly counters = new SinkCounters();
  readonly client: GatewayClient;
  readonly discovery: FunctionDiscovery;
  private readonly listSender: HttpSender;
  private readonly invokeSender: HttpSender;
  private readonly queue: DeliveryQueue;
  private readonly options: OpenFaasSinkOptions;
  private held: Held[] = [];
  private discoveryFailures = 0;
  private lastDiscoveryError = "";
  private isClosed = false;

  constructor(
    readonly settings: OpenFaasSettings,
    options: OpenFaasSinkOptions = {},
  ) {
    this.options = options;
    const tls = { insecureSSL: settings.insecureSSL };
    this.listSender = new HttpSender({
      ...tls,
      connectTimeoutMs: 10_000,
      requestTimeoutMs: Math.min(settings.timeoutMs, 30_000),
      connectionsPerOrigin: 2,
      responseBodyLimit: MAX_LIST_BYTES,
      responseDrainLimit: MAX_LIST_BYTES,
      userAgent: "node-red-vmware openfaas-out",
    });
    this.invokeSender = new HttpSender({
      ...tls,
      connectTimeoutMs: Math.min(settings.timeoutMs, 10_000),
      requestTimeoutMs: settings.timeoutMs,
      connectionsPerOrigin: Math.max(1, Math.min(settings.concurrency, 64)),
      userAgent: "node-red-vmware openfaas-out",
    });
    this.client = new GatewayClient({
      gateway: settings.gateway,
      username: settings.username,
      password: settings.password,
      sender: this.listSender,
    });
    this.queue = new DeliveryQueue({ concurrency: settings.concurrency });
    this.discovery = new FunctionDiscovery({
      client: this.client,
      intervalMs: settings.refreshIntervalMs,
      initialRetryMs: Math.min(1000, settings.refreshIntervalMs),
      onState: (s) => options.onDiscoveryState?.(this.scrubState(s)),
      onRefresh: (r) => this.refreshed(r.reason !== undefined ? { ...r, reason: settings.secrets.scrub(r.reason) } : r),
    });
  }

  /** Start discovery (first look-up now). */
  start(): void {
    this.discovery.start();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Messages waiting for the first function list. */
  get waiting(): number {
    return this.held.length;
  }

  /**
   * Invoke every function subscribed to `topic` with the payload as a structured CloudEvent.
   * `onResult` is called for each function as its invocation ends (delivered or dead
   * letter; not for `closed`); the promise resolves once all have ended. Invocations start in
   * call order. Never rejects.
   */
  deliver(topic: string | undefined, payload: unknown, onResult: (r: InvocationResult) => void): Promise<InvocationSummary> {
    if (this.isClosed) return Promise.resolve(CLOSED_SUMMARY);
    const map = this.discovery.map;
    if (map === undefined || this.held.length > 0) {
      return new Promise<InvocationSummary>((resolve) => {
        this.held.push({ topic, payload, onResult, resolve, failuresAtArrival: this.discoveryFailures });
      });
    }
    return this.invoke(map, topic, payload, onResult);
  }

  private invoke(map: TopicMap, topic: string | undefined, payload: unknown, onResult: (r: InvocationResult) => void): Promise<InvocationSummary> {
    const fns = map.match(topic);
    if (fns.length === 0) {
      this.counters.filtered++;
      return Promise.resolve({ matched: 0, results: [], closed: false });
    }
    let body: string;
    try {
      body = toStructured(toCloudEvent(payload, this.settings.wrap), { validate: false }).body as string; // toCloudEvent validated it
    } catch (err) {
      const results = fns.map((fn) => invocationResult(fn, invalidEventResult(err)));
      for (const r of results) this.report(onResult, r);
      return Promise.resolve({ matched: fns.length, results, closed: false });
    }
    const invocations = fns.map((fn) => {
      const request = this.client.invocationRequest(fn, body, {
        async: this.settings.async,
        ...(this.settings.callbackUrl !== "" ? { callbackUrl: this.settings.callbackUrl } : {}),
        ...(topic !== undefined ? { topic } : {}),
      });
      const retry: RetryOptions = {
        retryable: OPENFAAS_RETRYABLE,
        retry: { maxAttempts: this.settings.retries + 1, backoffDelayMs: this.settings.backoffDelayMs, maxDelayMs: OPENFAAS_DEFAULTS.maxDelayMs },
      };
      const onAttemptFailed = this.options.onAttemptFailed;
      retry.onAttemptFailed = scrubAttempt(this.settings.secrets, (f) => {
        this.counters.attemptFailed(f, fn.qualifiedName);
        onAttemptFailed?.(f, fn);
      });
      if (this.options.random !== undefined) retry.random = this.options.random;
      return this.queue
        .push((signal) => deliverWithRetry(this.invokeSender, request, retry, signal))
        .then((result): InvocationResult => {
          const r = invocationResult(fn, scrubResult(this.settings.secrets, result));
          if (result.outcome !== "closed") this.report(onResult, r);
          return r;
        });
    });
    return Promise.all(invocations).then((results) => ({
      matched: fns.length,
      results,
      closed: results.some((r) => r.result.outcome === "closed"),
    }));
  }

  private refreshed(report: RefreshReport): void {
    try {
      this.options.onRefresh?.(report);
    } catch {
      // a listener's bug must not stop discovery
    }
    if (this.isClosed) return;
    if (report.ok) {
      const map = this.discovery.map;
      if (map === undefined) return;
      const held = this.held;
      this.held = [];
      for (const h of held) void this.invoke(map, h.topic, h.payload, h.onResult).then(h.resolve);
      return;
    }
    this.discoveryFailures++;
    this.lastDiscoveryError = report.reason ?? "";
    if (this.held.length === 0) return;
    const limit = this.settings.retries + 1;
    const keep: Held[] = [];
    for (const h of this.held) {
      const attempts = this.discoveryFailures - h.failuresAtArrival;
      if (attempts < limit) {
        keep.push(h);
        continue;
      }
      const result = localFailure("ENOFUNCTIONLIST", `cannot list the gateway's functions: ${this.lastDiscoveryError} (gave up after ${attempts} attempts)`);
      result.attempts = attempts;
      result.retryable = true;
      const r: InvocationResult = { fn: undefined, result };
      this.report(h.onResult, r);
      h.resolve({ matched: 0, results: [r], closed: false });
    }
    this.held = keep;
  }

  /** One invocation ended: count it, then tell the caller. */
  private report(onResult: (r: InvocationResult) => void, r: InvocationResult): void {
    this.counters.record(r.result);
    safeCall(onResult, r);
  }

  private scrubState(s: DiscoveryState): DiscoveryState {
    return "reason" in s ? { ...s, reason: this.settings.secrets.scrub(s.reason) } : s;
  }

  /** Stop discovery; waiting and in-flight invocations end `closed`; sockets closed; ≤ about 1 s. */
  async close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.discovery.close();
      const held = this.held;
      this.held = [];
      for (const h of held) h.resolve(CLOSED_SUMMARY);
    }
    await Promise.all([this.queue.close(1000), this.listSender.close(), this.invokeSender.close()]);
  }
}

function safeCall<T>(fn: (v: T) => void, v: T): void {
  try {
    fn(v);
  } catch {
    // the node's handler guards itself; this keeps the engine going whatever happens
  }
}

function invocationResult(fn: FunctionRef, result: DeliveryResult): InvocationResult {
  return { fn, target: fn.qualifiedName, result };
}
