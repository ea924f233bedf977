/**
 * The delivery settings the HTTP sinks (knative-out, openfaas-out) share: TLS, timeout, retries,
 * back-off and concurrency, read the same way with each sink's defaults.
 */
import { booleanSetting, numberSetting } from "../common/settings";
import type { WrapOptions } from "../cloudevents/event";
import { wrapSettings } from "./wrap-settings";

export interface HttpDeliveryConfig {
  insecureSSL?: unknown;
  timeout?: unknown;
  retries?: unknown;
  backoffDelay?: unknown;
  concurrency?: unknown;
  ceType?: unknown;
  ceSource?: unknown;
}

export interface HttpDeliveryDefaults {
  /** s */
  timeout: number;
  retries: number;
  /** s */
  backoffDelay: number;
  concurrency: number;
}

export interface HttpDeliverySettings {
  insecureSSL: boolean;
  /** per request: until the answer's headers, between body chunks and for the whole body */
  timeoutMs: number;
  /** retries after the first attempt */
  retries: number;
  /** retry n waits backoffDelayMs × 2^n (minus up to 20 % jitter), at most 30 s */
  backoffDelayMs: number;
  /** requests in flight at once; 1 = in order */
  concurrency: number;
  wrap: WrapOptions;
}

export function httpDeliverySettings(config: HttpDeliveryConfig, defaults: HttpDeliveryDefaults, defaultSource: string): HttpDeliverySettings {
  return {
    insecureSSL: booleanSetting(config.insecureSSL),
    timeoutMs: numberSetting(config.timeout, { name: "timeout", default: defaults.timeout, min: 0.1, max: 3600, unit: "s" }) * 1000,
    retries: numberSetting(config.retries, { name: "retries", default: defaults.retries, min: 0, max: 100, integer: true }),
    backoffDelayMs: numberSetting(config.backoffDelay, { name: "back-off delay", default: defaults.backoffDelay, min: 0, max: 60, unit: "s" }) * 1000,
    concurrency: numberSetting(config.concurrency, { name: "concurrency", default: defaults.concurrency, min: 1, max: 1000, integer: true }),
    wrap: wrapSettings(config.ceType, config.ceSource, defaultSource),
  };
}
