/**
 * The `openfaas-out` engine: discovers the gateway's functions and their `topic` annotations
 * (lib/openfaas), and invokes every function subscribed to a message's topic with the
 * structured CloudEvent, synchronously or asynchronously, with retries (429 and 5xx except
 * 501, as the VMware Event Router). Free of Node-RED.
 *
 * Messages that arrive before the first function list wait for it, in order; if the gateway
 * cannot be listed `retries + 1` times in a row after a message arrived, that message is
 * dead-lettered (it cannot wait forever, and nothing can be invoked without the list).
 */
import { toCloudEvent, type WrapOptions } from "../cloudevents/event";
import { toStructured } from "../cloudevents/http";
import { type AttemptFailure, DeliveryQueue, type DeliveryResult, deliverWithRetry, type FailedResult, type RetryOptions } from "../delivery/queue";
import { OPENFAAS_RETRYABLE } from "../delivery/retryable";
import { HttpSender } from "../delivery/sender";
import { type DiscoveryState, FunctionDiscovery, type RefreshReport } from "../openfaas/discovery";
import { GatewayClient, MAX_LIST_BYTES } from "../openfaas/gateway";
import type { FunctionRef, TopicMap } from "../openfaas/topics";
import { booleanSetting, httpUrlSetting, numberSetting, SinkConfigError, wrapSettings } from "./config";
import { invalidEventResult } from "./result";
import { countersView, shortReason, type SinkCounters, type StatusView } from "./status";

export interface OpenFaasSettings {
  gateway: string;
  async: boolean;
  /** `X-Callback-Url` for asynchronous invocations ("" = none) */
  callbackUrl: string;
  insecureSSL: boolean;
  timeoutMs: number;
  retries: number;
  backoffDelayMs: number;
  concurrency: number;
  refreshIntervalMs: number;
  wrap: WrapOptions;
  username: string;
  password: string;
}

export interface OpenFaasConfig {
  gateway?: unknown;
  async?: unknown;
  callbackUrl?: unknown;
  insecureSSL?: unknown;
  timeout?: unknown;
  retries?: unknown;
  backoffDelay?: unknown;
  concurrency?: unknown;
  refreshInterval?: unknown;
  ceType?: unknown;
  ceSource?: unknown;
}

export interface OpenFaasCredentials {
  username?: string;
  password?: string;
}

/** As the VMware Event Router's OpenFaaS processor: 3 retries, 1 s, 2 s, 4 s. */
export const OPENFAAS_DEFAULTS = Object.freeze({
  timeout: 60,
  retries: 3,
  backoffDelay: 0.5,
  concurrency: 1,
  refreshInterval: 10,
  maxDelayMs: 30_000,
});

export function parseOpenFaasSettings(config: OpenFaasConfig, credentials: OpenFaasCredentials | undefined, defaultSource: string): OpenFaasSettings {
  const gateway = httpUrlSetting(config.gateway, "gateway", "http://gateway.openfaas:8080");
  const async = booleanSetting(config.async);
  let callbackUrl = "";
  if (typeof config.callbackUrl === "string" && config.callbackUrl.trim() !== "") {
    callbackUrl = httpUrlSetting(config.callbackUrl, "callback URL", "http://node-red:1880/openfaas-result");
  }
  const creds = credentials ?? {};
  if ((creds.username ?? "") === "" && (creds.password ?? "") !== "") {
    throw new SinkConfigError("a gateway password is set but no user name (credentials)");
  }
  if (gateway.includes("?") || gateway.includes("#")) throw new SinkConfigError("the gateway URL must not have a query or fragment");
  return {
    gateway,
    async,
    callbackUrl,
    insecureSSL: booleanSetting(config.insecureSSL),
    timeoutMs: numberSetting(config.timeout, { name: "timeout", default: OPENFAAS_DEFAULTS.timeout, min: 0.1, max: 3600, unit: "s" }) * 1000,
    retries: numberSetting(config.retries, { name: "retries", default: OPENFAAS_DEFAULTS.retries, min: 0, max: 100, integer: true }),
    backoffDelayMs: numberSetting(config.backoffDelay, { name: "back-off delay", default: OPENFAAS_DEFAULTS.backoffDelay, min: 0, max: 60, unit: "s" }) * 1000,
    concurrency: numberSetting(config.concurrency, { name: "concurrency", default: OPENFAAS_DEFAULTS.concurrency, min: 1, max: 1000, integer: true }),
    refreshIntervalMs:
      numberSetting(config.refreshInterval, { name: "refresh interval", default: OPENFAAS_DEFAULTS.refreshInterval, min: 0.1, max: 86400, unit: "s" }) * 1000,
    wrap: wrapSettings(config.ceType, config.ceSource, defaultSource),
    username: creds.username ?? "",
    password: creds.password ?? "",
  };
}

/** One invocation's outcome; `fn` is undefined when no function list could be had. */
export interface InvocationResult {
  fn: FunctionRef | undefined;
  result: DeliveryResult;
}

export interface DispatchSummary {
  /** functions subscribed to the topic */
  matched: number;
  results: InvocationResult[];
  /** some invocation was ended by close(): the message was neither delivered nor dead-lettered */
  closed: boolean;
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
  resolve: (s: DispatchSummary) => void;
  /** discovery failures counted when the message arrived */
  failuresAtArrival: number;
}

const CLOSED_SUMMARY: DispatchSummary = Object.freeze({ matched: 0, results: [], closed: true });

export class OpenFaasSink {
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
      onState: (s) => options.onDiscoveryState?.(s),
      onRefresh: (r) => this.refreshed(r),
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
  dispatch(topic: string | undefined, payload: unknown, onResult: (r: InvocationResult) => void): Promise<DispatchSummary> {
    if (this.isClosed) return Promise.resolve(CLOSED_SUMMARY);
    const map = this.discovery.map;
    if (map === undefined || this.held.length > 0) {
      return new Promise<DispatchSummary>((resolve) => {
        this.held.push({ topic, payload, onResult, resolve, failuresAtArrival: this.discoveryFailures });
      });
    }
    return this.invoke(map, topic, payload, onResult);
  }

  private invoke(map: TopicMap, topic: string | undefined, payload: unknown, onResult: (r: InvocationResult) => void): Promise<DispatchSummary> {
    const fns = map.match(topic);
    if (fns.length === 0) return Promise.resolve({ matched: 0, results: [], closed: false });
    let body: string;
    try {
      body = toStructured(toCloudEvent(payload, this.settings.wrap)).body as string;
    } catch (err) {
      const results = fns.map((fn) => ({ fn, result: invalidEventResult(err) }));
      for (const r of results) safeCall(onResult, r);
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
      if (onAttemptFailed !== undefined) retry.onAttemptFailed = (f) => onAttemptFailed(f, fn);
      if (this.options.random !== undefined) retry.random = this.options.random;
      return this.queue
        .push((signal) => deliverWithRetry(this.invokeSender, request, retry, signal))
        .then((result): InvocationResult => {
          const r = { fn, result };
          if (result.outcome !== "closed") safeCall(onResult, r);
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
      const result: FailedResult = {
        ok: false,
        outcome: "dead-letter",
        reason: `cannot list the gateway's functions: ${this.lastDiscoveryError} (gave up after ${attempts} attempts)`,
        code: "ENOFUNCTIONLIST",
        attempts,
        retryable: true,
        durationMs: 0,
      };
      const r: InvocationResult = { fn: undefined, result };
      safeCall(h.onResult, r);
      h.resolve({ matched: 0, results: [r], closed: false });
    }
    this.held = keep;
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

/** What `openfaas-out` shows: discovery problems first, then retries and counts. */
export function openFaasStatusView(state: DiscoveryState, counters: SinkCounters): StatusView {
  if (state.state === "pending") return { fill: "yellow", shape: "ring", key: "status.discovering", params: {} };
  if (state.state === "failed") return { fill: "red", shape: "ring", key: "status.no-functions", params: { reason: shortReason(state.reason) } };
  if (state.state === "stale") {
    return { fill: "yellow", shape: "ring", key: "status.stale", params: { reason: shortReason(state.reason), functions: state.subscribers } };
  }
  const v = countersView(counters);
  if (v.key === "status.ready") v.fill = "green";
  v.params.functions = state.subscribers;
  v.params.unmatched = counters.unmatched;
  if (counters.retrying?.target !== undefined) {
    v.key = "status.retrying-function";
    v.params.function = counters.retrying.target;
  }
  return v;
}
