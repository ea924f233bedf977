/**
 * The `knative-out` engine: a payload becomes a CloudEvent (or is wrapped as the data of one),
 * is encoded in binary or structured mode and delivered with retries per the Knative delivery
 * spec. Free of Node-RED; the node maps messages, outputs and status onto it.
 */
import { toCloudEvent, type WrapOptions } from "../cloudevents/event";
import { type Encoding, toHttp } from "../cloudevents/http";
import { type AttemptFailure, type DeliveryResult, type FailedResult, HttpDelivery } from "../delivery/queue";
import type { HttpRequest } from "../delivery/sender";
import { KNATIVE_RETRYABLE } from "../delivery/retryable";
import { booleanSetting, httpUrlSetting, numberSetting, SinkConfigError, wrapSettings } from "./config";
import { invalidEventResult } from "./result";

export type KnativeAuthType = "none" | "basic" | "bearer";

export interface KnativeSettings {
  url: string;
  encoding: Encoding;
  insecureSSL: boolean;
  /** per request: until the answer's headers (and between body chunks) */
  timeoutMs: number;
  /** retries after the first attempt */
  retries: number;
  /** retry n waits backoffDelayMs × 2^n (minus up to 20 % jitter), at most 30 s */
  backoffDelayMs: number;
  /** requests in flight at once; 1 = in order */
  concurrency: number;
  wrap: WrapOptions;
  /** `authorization` header value, from the credentials */
  authorization: string | undefined;
}

/** The node's properties as flow JSON has them. */
export interface KnativeConfig {
  url?: unknown;
  encoding?: unknown;
  insecureSSL?: unknown;
  authType?: unknown;
  timeout?: unknown;
  retries?: unknown;
  backoffDelay?: unknown;
  concurrency?: unknown;
  ceType?: unknown;
  ceSource?: unknown;
}

export interface KnativeCredentials {
  username?: string;
  password?: string;
  token?: string;
}

export const KNATIVE_DEFAULTS = Object.freeze({
  encoding: "binary",
  timeout: 30,
  retries: 10,
  backoffDelay: 0.2,
  concurrency: 1,
  maxDelayMs: 30_000,
});

function authorization(authType: unknown, creds: KnativeCredentials): string | undefined {
  const user = creds.username ?? "";
  const token = creds.token ?? "";
  let type: KnativeAuthType;
  if (authType === "none" || authType === "basic" || authType === "bearer") type = authType;
  else if (authType === undefined || authType === null || authType === "") type = token !== "" ? "bearer" : user !== "" ? "basic" : "none";
  else throw new SinkConfigError(`authentication ${JSON.stringify(authType)} is not one of none, basic, bearer`);
  if (type === "basic") {
    if (user === "") throw new SinkConfigError("basic authentication needs a user name (credentials)");
    return "Basic " + Buffer.from(`${user}:${creds.password ?? ""}`, "utf8").toString("base64");
  }
  if (type === "bearer") {
    if (token === "") throw new SinkConfigError("bearer authentication needs a token (credentials)");
    if (!/^[\x21-\x7e]+$/.test(token)) throw new SinkConfigError("the bearer token contains spaces or characters that cannot be sent in a header");
    return `Bearer ${token}`;
  }
  return undefined;
}

/** Read and check the settings; throws SinkConfigError with a sentence for the user. */
export function parseKnativeSettings(config: KnativeConfig, credentials: KnativeCredentials | undefined, defaultSource: string): KnativeSettings {
  const url = httpUrlSetting(config.url, "URL", "http://broker-ingress.knative-eventing.svc.cluster.local/default/default");
  let encoding: Encoding = KNATIVE_DEFAULTS.encoding;
  if (config.encoding === "structured" || config.encoding === "binary") encoding = config.encoding;
  else if (config.encoding !== undefined && config.encoding !== "") {
    throw new SinkConfigError(`encoding ${JSON.stringify(config.encoding)} is not binary or structured`);
  }
  return {
    url,
    encoding,
    insecureSSL: booleanSetting(config.insecureSSL),
    timeoutMs: numberSetting(config.timeout, { name: "timeout", default: KNATIVE_DEFAULTS.timeout, min: 0.1, max: 3600, unit: "s" }) * 1000,
    retries: numberSetting(config.retries, { name: "retries", default: KNATIVE_DEFAULTS.retries, min: 0, max: 100, integer: true }),
    backoffDelayMs: numberSetting(config.backoffDelay, { name: "back-off delay", default: KNATIVE_DEFAULTS.backoffDelay, min: 0, max: 60, unit: "s" }) * 1000,
    concurrency: numberSetting(config.concurrency, { name: "concurrency", default: KNATIVE_DEFAULTS.concurrency, min: 1, max: 1000, integer: true }),
    wrap: wrapSettings(config.ceType, config.ceSource, defaultSource),
    authorization: authorization(config.authType, credentials ?? {}),
  };
}

export interface KnativeSinkOptions {
  /** after each failed attempt (status: "retrying") */
  onAttemptFailed?: (failure: AttemptFailure) => void;
  /** for tests: replaces Math.random in the jitter */
  random?: () => number;
}

export class KnativeSink {
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
      ...(options.onAttemptFailed !== undefined ? { onAttemptFailed: options.onAttemptFailed } : {}),
      ...(options.random !== undefined ? { random: options.random } : {}),
    });
  }

  /**
   * Deliver one payload: a CloudEvent object is sent as is (after validation), anything else
   * is wrapped. Requests start in call order. Never rejects: an invalid event is a dead
   * letter with 0 attempts; a delivery ended by close() has the outcome `closed`.
   */
  deliver(payload: unknown): Promise<DeliveryResult> {
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
      const m = toHttp(toCloudEvent(payload, this.settings.wrap), this.settings.encoding);
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
