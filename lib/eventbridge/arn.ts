/**
 * EventBridge names and ARNs: event buses (`name` or `arn:<partition>:events:<region>:<account>:event-bus/<name>`)
 * and rules (`name`, `arn:…:rule/<name>` on the default bus, `arn:…:rule/<bus>/<name>` on any
 * other bus). Parsing only; no AWS calls.
 */

/** The name AWS gives the account's default bus. */
export const DEFAULT_BUS = "default";

/** PutEvents `EventBusName`: a name (partner buses contain `/`) or an ARN, 1–1600 characters. */
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
/** Rule names: `[.\-_A-Za-z0-9]+`, at most 64 characters. */
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
/** `arn:<partition>:events:<region>:<account>:<resource>` */
const EVENTS_ARN = /^arn:(aws[\w-]*):events:([a-z0-9-]*):(\d{12}|):(.+)$/;

export interface BusRef {
  /** as configured: a name or an ARN (PutEvents and ListRules take either) */
  value: string;
  /** the bus's name */
  name: string;
  region?: string;
  account?: string;
}

export interface RuleRef {
  /** as configured */
  value: string;
  /** the rule's name */
  name: string;
  /** the full ARN, when configured as one (then the look-up compares ARNs) */
  arn?: string;
  /** the bus named by the ARN (`rule/<bus>/<name>`; `default` for `rule/<name>`) */
  bus?: string;
  region?: string;
  account?: string;
}

export class ArnError extends Error {
  override readonly name = "ArnError";
}

/** Parse the node's event bus setting; blank is the default bus. Throws ArnError. */
export function parseBus(value: string): BusRef {
  const text = value.trim();
  if (text === "") return { value: DEFAULT_BUS, name: DEFAULT_BUS };
  if (text.startsWith("arn:")) {
    const m = EVENTS_ARN.exec(text);
    const resource = m?.[4] ?? "";
    if (m === null || !resource.startsWith("event-bus/")) {
      throw new ArnError(`event bus ${JSON.stringify(text)} is not an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)`);
    }
    const name = resource.slice("event-bus/".length);
    if (!BUS_NAME.test(name)) throw new ArnError(`event bus ARN ${JSON.stringify(text)} has an invalid bus name`);
    if (text.length > 1600) throw new ArnError("the event bus ARN is longer than 1600 characters");
    return { value: text, name, ...(m[2] ? { region: m[2] } : {}), ...(m[3] ? { account: m[3] } : {}) };
  }
  if (!BUS_NAME.test(text)) {
    throw new ArnError(`event bus ${JSON.stringify(text)} is not a valid name (letters, digits, . - _ /, at most 256) or ARN`);
  }
  return { value: text, name: text };
}

/** Parse the node's rule setting (ARN or name); blank gives undefined (no rule: send everything). */
export function parseRule(value: string): RuleRef | undefined {
  const text = value.trim();
  if (text === "") return undefined;
  if (text.startsWith("arn:")) {
    const m = EVENTS_ARN.exec(text);
    const resource = m?.[4] ?? "";
    if (m === null || !resource.startsWith("rule/")) {
      throw new ArnError(`rule ${JSON.stringify(text)} is not a rule ARN (arn:aws:events:<region>:<account>:rule/[<bus>/]<name>)`);
    }
    const path = resource.slice("rule/".length);
    const slash = path.lastIndexOf("/");
    const name = slash < 0 ? path : path.slice(slash + 1);
    const bus = slash < 0 ? DEFAULT_BUS : path.slice(0, slash);
    if (!RULE_NAME.test(name)) throw new ArnError(`rule ARN ${JSON.stringify(text)} has an invalid rule name`);
    if (!BUS_NAME.test(bus)) throw new ArnError(`rule ARN ${JSON.stringify(text)} has an invalid event bus name`);
    return { value: text, name, arn: text, bus, ...(m[2] ? { region: m[2] } : {}), ...(m[3] ? { account: m[3] } : {}) };
  }
  if (!RULE_NAME.test(text)) {
    throw new ArnError(`rule ${JSON.stringify(text)} is not a rule ARN or name (letters, digits, . - _, at most 64)`);
  }
  return { value: text, name: text };
}

/** The account id in an events ARN (`arn:aws:events:us-east-1:123456789012:rule/x` → `123456789012`). */
export function accountOf(arn: string | undefined): string | undefined {
  if (arn === undefined) return undefined;
  const m = EVENTS_ARN.exec(arn);
  return m !== null && m[3] !== "" ? m[3] : undefined;
}
