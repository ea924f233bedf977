/** Validation and defaults for `horizon-in` settings (flow JSON is a public interface). */
import { contextStoreName, oneOf, seconds, wholeNumber } from "../common/settings";
import { DEFAULT_MAX_IN_FLIGHT } from "../source/types";

export type HorizonDelivery = "acknowledged" | "sent";

export interface HorizonInSettings {
  /** the Horizon Connection Server's base URL, `https://host[:port]` (also the CloudEvent `source`) */
  baseUrl: string;
  insecureSSL: boolean;
  checkpointStore: string;
  /** seconds */
  checkpointPeriod: number;
  delivery: HorizonDelivery;
  /** delivery "acknowledged": events in the flow not yet handled, before reading pauses */
  maxInFlight: number;
}

export const HORIZON_IN_DEFAULTS = {
  checkpointPeriod: 10,
  delivery: "acknowledged" as HorizonDelivery,
  maxInFlight: DEFAULT_MAX_IN_FLIGHT,
};

export interface HorizonInConfig {
  address?: unknown;
  insecureSSL?: unknown;
  checkpointStore?: unknown;
  checkpointPeriod?: unknown;
  delivery?: unknown;
  maxInFlight?: unknown;
}

/**
 * The base URL of a Horizon Connection Server from what a user types: `horizon.example.com`,
 * `horizon.example.com:8443`, `https://horizon.example.com/`, or with a trailing `/rest`.
 * HTTPS unless `http://` is given. Credentials, query and fragment are refused.
 */
export function horizonBaseUrl(address: unknown): string {
  if (typeof address !== "string" || address.trim() === "") throw new Error("address is required (the Horizon Connection Server, e.g. horizon.example.com)");
  let text = address.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = "https://" + text;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`address ${JSON.stringify(address)} is not a host name or URL`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error(`address must be an https:// (or http://) URL, not ${u.protocol}`);
  if (u.username !== "" || u.password !== "") throw new Error("address must not contain credentials: set them in the node's credentials");
  if (u.search !== "" || u.hash !== "") throw new Error("address must not have a query or fragment");
  if (u.hostname === "") throw new Error("address has no host");
  let path = u.pathname.replace(/\/+$/, "");
  if (path.toLowerCase().endsWith("/rest")) path = path.slice(0, -5);
  return `${u.protocol}//${u.host}${path}`;
}

export function parseHorizonSettings(c: HorizonInConfig): HorizonInSettings {
  return {
    baseUrl: horizonBaseUrl(c.address),
    insecureSSL: c.insecureSSL === true || c.insecureSSL === "true",
    checkpointStore: contextStoreName(c.checkpointStore),
    checkpointPeriod: seconds("checkpointPeriod", c.checkpointPeriod, HORIZON_IN_DEFAULTS.checkpointPeriod, 1),
    delivery: oneOf("delivery", c.delivery, ["acknowledged", "sent"] as const, HORIZON_IN_DEFAULTS.delivery),
    maxInFlight: wholeNumber("maxInFlight", c.maxInFlight, HORIZON_IN_DEFAULTS.maxInFlight, 1, 100_000),
  };
}
