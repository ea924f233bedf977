/**
 * `openfaas-out`'s settings as flow JSON and the credentials have them, read and checked; every
 * problem is a `ConfigError` with a sentence the node shows as is.
 */
import { Scrubber } from "../../common/scrub";
import { booleanSetting, ConfigError, httpUrlSetting, numberSetting } from "../../common/settings";
import { type HttpDeliveryConfig, type HttpDeliverySettings, httpDeliverySettings } from "../http-delivery-settings";

export interface OpenFaasSettings extends HttpDeliverySettings {
  gateway: string;
  async: boolean;
  /** `X-Callback-Url` for asynchronous invocations ("" = none) */
  callbackUrl: string;
  refreshIntervalMs: number;
  username: string;
  password: string;
  /** removes the gateway credentials from whatever the gateway and the functions answer */
  secrets: Scrubber;
}

export interface OpenFaasConfig extends HttpDeliveryConfig {
  gateway?: unknown;
  async?: unknown;
  callbackUrl?: unknown;
  refreshInterval?: unknown;
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
    throw new ConfigError("a gateway password is set but no user name (credentials)");
  }
  if (gateway.includes("?") || gateway.includes("#")) throw new ConfigError("the gateway URL must not have a query or fragment");
  return {
    gateway,
    async,
    callbackUrl,
    ...httpDeliverySettings(config, OPENFAAS_DEFAULTS, defaultSource),
    refreshIntervalMs:
      numberSetting(config.refreshInterval, { name: "refresh interval", default: OPENFAAS_DEFAULTS.refreshInterval, min: 0.1, max: 86400, unit: "s" }) * 1000,
    username: creds.username ?? "",
    password: creds.password ?? "",
    secrets: new Scrubber([creds.password], [{ username: creds.username ?? "", password: creds.password ?? "" }]),
  };
}

