/**
 * `knative-out`'s settings as flow JSON and the credentials have them, read and checked; every
 * problem is a `ConfigError` with a sentence the node shows as is.
 */
import type { Encoding } from "../../cloudevents/http";
import type { WrapOptions } from "../../cloudevents/event";
import { Scrubber } from "../../common/scrub";
import { booleanSetting, ConfigError, httpUrlSetting, numberSetting } from "../../common/settings";
import { wrapSettings } from "../wrap-settings";

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
  /** removes the credentials from whatever the target answers */
  secrets: Scrubber;
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
  encoding: "binary" as Encoding,
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
  else throw new ConfigError(`authentication ${JSON.stringify(authType)} is not one of none, basic, bearer`);
  if (type === "basic") {
    if (user === "") throw new ConfigError("basic authentication needs a user name (credentials)");
    return "Basic " + Buffer.from(`${user}:${creds.password ?? ""}`, "utf8").toString("base64");
  }
  if (type === "bearer") {
    if (token === "") throw new ConfigError("bearer authentication needs a token (credentials)");
    if (!/^[\x21-\x7e]+$/.test(token)) throw new ConfigError("the bearer token contains spaces or characters that cannot be sent in a header");
    return `Bearer ${token}`;
  }
  return undefined;
}

/** Read and check the settings; throws ConfigError with a sentence for the user. */
export function parseKnativeSettings(config: KnativeConfig, credentials: KnativeCredentials | undefined, defaultSource: string): KnativeSettings {
  const url = httpUrlSetting(config.url, "URL", "http://broker-ingress.knative-eventing.svc.cluster.local/default/default");
  let encoding: Encoding = KNATIVE_DEFAULTS.encoding;
  if (config.encoding === "structured" || config.encoding === "binary") encoding = config.encoding;
  else if (config.encoding !== undefined && config.encoding !== "") {
    throw new ConfigError(`encoding ${JSON.stringify(config.encoding)} is not binary or structured`);
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
    secrets: knativeSecrets(credentials ?? {}),
  };
}


/** Every configured secret, whatever the authentication type (a stale one may still be echoed). */
function knativeSecrets(creds: KnativeCredentials): Scrubber {
  return new Scrubber([creds.password, creds.token], [{ username: creds.username ?? "", password: creds.password ?? "" }]);
}
