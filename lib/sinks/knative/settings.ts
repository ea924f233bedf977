/**
 * `knative-out`'s settings as flow JSON and the credentials have them, read and checked; every
 * problem is a `ConfigError` with a sentence the node shows as is.
 */
import type { Encoding } from "../../cloudevents/http";
import { Scrubber } from "../../common/scrub";
import { ConfigError, httpUrlSetting } from "../../common/settings";
import { type HttpDeliveryConfig, type HttpDeliverySettings, httpDeliverySettings } from "../http-delivery-settings";

export type KnativeAuthType = "none" | "basic" | "bearer";

export interface KnativeSettings extends HttpDeliverySettings {
  url: string;
  encoding: Encoding;
  /** `authorization` header value, from the credentials */
  authorization: string | undefined;
  /** removes the credentials from whatever the target answers */
  secrets: Scrubber;
}

/** The node's properties as flow JSON has them. */
export interface KnativeConfig extends HttpDeliveryConfig {
  url?: unknown;
  encoding?: unknown;
  authType?: unknown;
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
    ...httpDeliverySettings(config, KNATIVE_DEFAULTS, defaultSource),
    authorization: authorization(config.authType, credentials ?? {}),
    secrets: knativeSecrets(credentials ?? {}),
  };
}


/** Every configured secret, whatever the authentication type (a stale one may still be echoed). */
function knativeSecrets(creds: KnativeCredentials): Scrubber {
  return new Scrubber([creds.password, creds.token], [{ username: creds.username ?? "", password: creds.password ?? "" }]);
}
