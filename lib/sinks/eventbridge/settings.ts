/**
 * Reading `eventbridge-out`'s settings (flow JSON gives strings or numbers, or nothing for flows
 * saved by an older version). Every problem is a `ConfigError` with a sentence the node
 * shows as is.
 */
import type { WrapOptions } from "../../cloudevents/event";
import { Scrubber } from "../../common/scrub";
import { ConfigError, httpUrlSetting, numberSetting } from "../../common/settings";
import { ArnError, parseBus, parseRule, type BusRef, type RuleRef } from "../../eventbridge/arn";
import { DEFAULT_BATCH_BYTES, MAX_BATCH_BYTES } from "../../eventbridge/entry";
import { wrapSettings } from "../wrap-settings";

/** The node's properties as flow JSON has them. */
export interface EventBridgeOutConfig {
  region?: unknown;
  eventBus?: unknown;
  ruleArn?: unknown;
  endpoint?: unknown;
  /** KiB */
  batchLimit?: unknown;
  /** ms */
  flushInterval?: unknown;
  /** s: re-read the rule this often */
  ruleRefresh?: unknown;
  /** s: one PutEvents or ListRules call, answer included */
  timeout?: unknown;
  ceType?: unknown;
  ceSource?: unknown;
}

export interface EventBridgeCredentials {
  accessKeyId?: string;
  secretAccessKey?: string;
  /** temporary credentials (STS) */
  sessionToken?: string;
}

export interface EventBridgeSettings {
  region: string;
  bus: BusRef;
  /** undefined: no rule, every event is sent */
  rule: RuleRef | undefined;
  endpoint: string | undefined;
  /** undefined: the SDK's default provider chain */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /** a PutEvents call's entries total less than this */
  maxBatchBytes: number;
  flushIntervalMs: number;
  ruleRefreshMs: number;
  /** one call to the endpoint, its answer included */
  timeoutMs: number;
  wrap: WrapOptions;
  /** removes the keys from whatever the endpoint answers */
  secrets: Scrubber;
}

export const EVENTBRIDGE_DEFAULTS = Object.freeze({
  batchLimitKiB: DEFAULT_BATCH_BYTES / 1024,
  flushIntervalMs: 50,
  ruleRefreshS: 300,
  timeoutS: 30,
});

const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;

function text(v: unknown): string {
  return typeof v === "string" ? v.trim() : "";
}

/** Read and check the settings; throws ConfigError with a sentence for the user. */
export function parseEventBridgeSettings(
  config: EventBridgeOutConfig,
  credentials: EventBridgeCredentials | undefined,
  defaultSource: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): EventBridgeSettings {
  let bus: BusRef;
  let rule: RuleRef | undefined;
  try {
    bus = parseBus(text(config.eventBus));
    rule = parseRule(text(config.ruleArn));
  } catch (err) {
    if (err instanceof ArnError) throw new ConfigError(err.message);
    throw err;
  }
  const region = text(config.region) || bus.region || rule?.region || text(env.AWS_REGION) || text(env.AWS_DEFAULT_REGION);
  if (region === "") throw new ConfigError("no region configured (e.g. us-east-1)");
  if (!REGION.test(region)) throw new ConfigError(`region ${JSON.stringify(region)} is not an AWS region name (e.g. us-east-1)`);
  if (bus.region !== undefined && bus.region !== region) {
    throw new ConfigError(`the event bus ARN is in region ${bus.region}, but the region is set to ${region}`);
  }
  if (rule !== undefined) {
    if (rule.bus !== undefined && rule.bus !== bus.name) {
      throw new ConfigError(`rule ${JSON.stringify(rule.name)} belongs to event bus ${JSON.stringify(rule.bus)}, but events go to event bus ${JSON.stringify(bus.name)}`);
    }
    if (rule.region !== undefined && rule.region !== region) {
      throw new ConfigError(`the rule ARN is in region ${rule.region}, but the region is set to ${region}`);
    }
    if (rule.account !== undefined && bus.account !== undefined && rule.account !== bus.account) {
      throw new ConfigError(`the rule ARN is in account ${rule.account}, but the event bus ARN in account ${bus.account}`);
    }
  }
  const endpointText = text(config.endpoint);
  const endpoint = endpointText === "" ? undefined : httpUrlSetting(endpointText, "endpoint", "https://events.us-east-1.amazonaws.com");

  const keyId = text(credentials?.accessKeyId);
  const secret = text(credentials?.secretAccessKey);
  const sessionToken = text(credentials?.sessionToken);
  if ((keyId === "") !== (secret === "")) {
    throw new ConfigError(
      keyId === "" ? "a secret access key is set without an access key id" : "an access key id is set without a secret access key",
    );
  }

  const batchLimitKiB = numberSetting(config.batchLimit, {
    name: "batch limit",
    default: EVENTBRIDGE_DEFAULTS.batchLimitKiB,
    min: 1,
    max: MAX_BATCH_BYTES / 1024,
    unit: "KB",
  });
  const flushIntervalMs = numberSetting(config.flushInterval, {
    name: "flush interval",
    default: EVENTBRIDGE_DEFAULTS.flushIntervalMs,
    min: 0,
    max: 10_000,
    unit: "ms",
  });
  const ruleRefreshS = numberSetting(config.ruleRefresh, {
    name: "rule refresh",
    default: EVENTBRIDGE_DEFAULTS.ruleRefreshS,
    min: 0.1,
    max: 86_400,
    unit: "s",
  });
  const timeoutS = numberSetting(config.timeout, { name: "timeout", default: EVENTBRIDGE_DEFAULTS.timeoutS, min: 0.1, max: 3600, unit: "s" });
  return {
    region,
    bus,
    rule,
    endpoint,
    credentials: keyId === "" ? undefined : { accessKeyId: keyId, secretAccessKey: secret, ...(sessionToken !== "" ? { sessionToken } : {}) },
    maxBatchBytes: Math.round(batchLimitKiB * 1024),
    flushIntervalMs,
    ruleRefreshMs: Math.round(ruleRefreshS * 1000),
    timeoutMs: Math.round(timeoutS * 1000),
    wrap: wrapSettings(config.ceType, config.ceSource, defaultSource),
    secrets: new Scrubber(keyId === "" ? [] : [keyId, secret, sessionToken]),
  };
}
