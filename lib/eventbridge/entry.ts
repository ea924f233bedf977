/**
 * From a CloudEvent to what EventBridge sees: the `PutEvents` request entry, its size as AWS
 * computes it, and the envelope EventBridge builds from the entry and matches rules against.
 *
 * Entry (DESIGN.md §7, protocols.md §4.2): `Source` = the CloudEvent's `source`, `DetailType` =
 * its `subject`, else `msg.topic`, else its `type`; `Detail` = the structured CloudEvent JSON
 * (data included); `EventBusName` = the configured bus; `Time` = the CloudEvent's `time` (or now).
 *
 * Envelope (what rules match): `version` "0", `id`, `detail-type`, `source`, `account`, `time`
 * (RFC 3339 in whole seconds, UTC), `region`, `resources` (`[]`), `detail` (the CloudEvent object).
 */
import { randomUUID } from "node:crypto";
import type { CloudEvent } from "../cloudevents/event";
import { toJsonObject } from "../cloudevents/http";

/** A PutEvents request entry (the fields this package sets; shape of the SDK's `PutEventsRequestEntry`). */
export interface PutEventsEntry {
  Source: string;
  DetailType: string;
  /** a JSON object, as text */
  Detail: string;
  EventBusName?: string;
  Time?: Date;
  Resources?: string[];
  TraceHeader?: string;
}

/** The event as EventBridge delivers it to targets and matches it against rules. */
export interface EventEnvelope {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** At most this many characters of `DetailType` (AWS rejects the whole request otherwise). */
export const MAX_DETAIL_TYPE = 128;
/** The entries of one PutEvents call. */
export const MAX_BATCH_ENTRIES = 10;
/** Default limit of a PutEvents call's total entry size: 256 KiB (AWS's limit until Jan 2026). */
export const DEFAULT_BATCH_BYTES = 256 * 1024;
/** The most a user may configure: 1 MiB (AWS's limit since 29 Jan 2026). */
export const MAX_BATCH_BYTES = 1024 * 1024;
/** What a set `Time` adds to an entry's size. */
const TIME_SIZE = 14;

/** Thrown when a CloudEvent cannot become an entry EventBridge would accept; names the field. */
export class EntryError extends Error {
  override readonly name = "EntryError";
}

function utf8Length(s: string): number {
  // fast path: pure ASCII strings are one byte per character
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s.length : Buffer.byteLength(s, "utf8");
}

/**
 * The entry's size as AWS computes it ("Calculating PutEvents event entry size"): 14 bytes if
 * `Time` is set, plus the UTF-8 bytes of `Source`, `DetailType`, `Detail`, each of `Resources`
 * and `TraceHeader`. A request's entries must total less than the limit.
 */
export function entrySize(entry: PutEventsEntry): number {
  let size = entry.Time !== undefined ? TIME_SIZE : 0;
  size += utf8Length(entry.Source);
  size += utf8Length(entry.DetailType);
  size += utf8Length(entry.Detail);
  if (entry.Resources !== undefined) for (const r of entry.Resources) size += utf8Length(r);
  if (entry.TraceHeader !== undefined) size += utf8Length(entry.TraceHeader);
  return size;
}

/**
 * A CloudEvent `time` as a Date. RFC 3339 allows a leap second (`:60`), which Date cannot
 * hold: it becomes the last millisecond of that minute. Undefined when absent or unreadable.
 */
export function eventTime(time: unknown): Date | undefined {
  if (typeof time !== "string" || time === "") return undefined;
  let d = new Date(time);
  if (Number.isNaN(d.getTime())) {
    const leap = /^(.*T\d\d:\d\d:)60(\.\d+)?(.*)$/i.exec(time);
    if (leap === null) return undefined;
    d = new Date(`${leap[1]}59.999${leap[3]}`);
    if (Number.isNaN(d.getTime())) return undefined;
  }
  return d;
}

/** RFC 3339 in whole seconds, UTC: how EventBridge writes the envelope's `time`. */
export function envelopeTime(d: Date): string {
  return d.toISOString().slice(0, 19) + "Z";
}

export interface EntryParts {
  entry: PutEventsEntry;
  /** the CloudEvent in its JSON form: the envelope's `detail` */
  detail: Record<string, unknown>;
  size: number;
}

/**
 * Build the PutEvents entry for a (valid) CloudEvent. `topic` is `msg.topic` (used as
 * `DetailType` when the event has no `subject`); `busName` is the configured bus (name or
 * ARN); `now` is used when the event has no `time`. Throws EntryError (DetailType too long)
 * or the CloudEvent binding's error (data that is not JSON-serialisable).
 */
export function buildEntry(event: CloudEvent, topic: unknown, busName: string, now: Date = new Date()): EntryParts {
  const detail = toJsonObject(event);
  const subject = typeof event.subject === "string" && event.subject !== "" ? event.subject : undefined;
  const topicText = typeof topic === "string" && topic !== "" ? topic : undefined;
  const detailType = subject ?? topicText ?? event.type;
  if (detailType.length > MAX_DETAIL_TYPE) {
    const from = subject !== undefined ? "subject" : topicText !== undefined ? "msg.topic" : "type";
    throw new EntryError(`DetailType (from the event's ${from}) is ${detailType.length} characters long; EventBridge allows ${MAX_DETAIL_TYPE}`);
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(detail);
  } catch (err) {
    throw new EntryError(`the CloudEvent cannot be written as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (text === undefined) throw new EntryError("the CloudEvent cannot be written as JSON");
  const entry: PutEventsEntry = {
    Source: event.source,
    DetailType: detailType,
    Detail: text,
    EventBusName: busName,
    Time: eventTime(event.time) ?? now,
  };
  return { entry, detail, size: entrySize(entry) };
}

export interface EnvelopeContext {
  account: string;
  region: string;
  /** default: a random UUID, as EventBridge assigns one */
  id?: string;
}

/** The envelope EventBridge builds from an entry (rules match this). */
export function eventEnvelope(entry: PutEventsEntry, detail: Record<string, unknown>, ctx: EnvelopeContext): EventEnvelope {
  return {
    version: "0",
    id: ctx.id ?? randomUUID(),
    "detail-type": entry.DetailType,
    source: entry.Source,
    account: ctx.account,
    time: envelopeTime(entry.Time ?? new Date()),
    region: ctx.region,
    resources: entry.Resources ?? [],
    detail,
  };
}
