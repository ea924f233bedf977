/**
 * The CloudEvent model (CloudEvents 1.0.2) and its validation.
 *
 * A `CloudEvent` here is the JSON event format held in memory: context attributes and
 * extension attributes as top-level members, the payload as `data` (a JSON value, or text for
 * a non-JSON `datacontenttype`) or as `data_base64` (binary payload, base64 text). This is the
 * shape of `msg.payload` in the package's message contract (DESIGN.md §3). As a convenience for
 * senders, `data` may also hold a `Uint8Array`/`Buffer` (binary runtime data): the bindings send
 * it as raw bytes (binary mode) or as `data_base64` (structured mode).
 *
 * Validation names the offending attribute in every error, so receivers can answer
 * "400: attribute source is missing" and sinks can dead-letter with a precise reason.
 */
import { randomUUID } from "node:crypto";

export const SPEC_VERSION = "1.0";

/** The value types of context attributes (canonical string forms are used on the wire). */
export type CloudEventAttributeValue = string | number | boolean | Uint8Array;

export interface CloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  dataschema?: string;
  /** JSON value (JSON content types), text (other content types) or bytes (Uint8Array). */
  data?: unknown;
  /** Base64 of the binary payload; mutually exclusive with `data`. */
  data_base64?: string;
  /** Extension attributes: lower-case a-z0-9 names, values string / boolean / int32 / bytes. */
  [extension: string]: unknown;
}

export const REQUIRED_ATTRIBUTES = ["specversion", "id", "source", "type"] as const;
export const OPTIONAL_ATTRIBUTES = ["subject", "time", "datacontenttype", "dataschema"] as const;
/** Context attributes defined by the spec (everything else at top level is an extension). */
export const CONTEXT_ATTRIBUTES: ReadonlySet<string> = new Set<string>([
  ...REQUIRED_ATTRIBUTES,
  ...OPTIONAL_ATTRIBUTES,
]);
/** Members of the JSON format that are not attributes. */
export const DATA_MEMBERS: ReadonlySet<string> = new Set<string>(["data", "data_base64"]);

/** Thrown (or returned) when a value is not a valid CloudEvent; names the attribute. */
export class CloudEventValidationError extends Error {
  override readonly name = "CloudEventValidationError";
  /** The attribute (or `data` / `data_base64`) at fault; `""` when the event itself is wrong. */
  readonly attribute: string;
  /** Position in a batch, when the event came from one. */
  readonly index: number | undefined;
  /** The message without the batch-index prefix. */
  readonly detail: string;

  constructor(attribute: string, detail: string, index?: number) {
    super(index === undefined ? detail : `event [${index}]: ${detail}`);
    this.attribute = clip(attribute);
    this.detail = detail;
    this.index = index;
  }

  /** The same error, located at `index` of a batch. */
  atIndex(index: number): CloudEventValidationError {
    return new CloudEventValidationError(this.attribute, this.detail, index);
  }
}

const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
// String type (spec §"Type System"): no C0/C1 controls, no noncharacters, no lone surrogates.
// With the `u` flag a well-formed surrogate pair is one code point, so [\ud800-\udfff] only
// matches lone surrogates.
const FORBIDDEN_STRING_CHARS = new RegExp(
  "[\\u0000-\\u001f\\u007f-\\u009f\\ufdd0-\\ufdef\\ufffe\\uffff\\ud800-\\udfff" +
    Array.from({ length: 16 }, (_, i) => `\\u{${(i + 1).toString(16)}fffe}\\u{${(i + 1).toString(16)}ffff}`).join("") +
    "]",
  "u",
);
// RFC 3339 date-time (the profile of ISO 8601 the spec requires).
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// Characters that can never appear in a URI or URI-reference (RFC 3986), even percent-encoded forms aside.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
const NOT_URI_CHARS = /[\u0000-\u0020\u007f"<>\\^`{|}]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const MAX_ECHO = 64;

/** A value from the wire, safe to echo in an error message: clipped to 64 characters. */
export function clip(value: string, max: number = MAX_ECHO): string {
  return value.length <= max ? value : value.slice(0, max) + "…";
}

/** `clip`, JSON-quoted. */
export function quoted(value: unknown, max: number = MAX_ECHO): string {
  const text = typeof value === "string" ? value : String(value);
  return JSON.stringify(clip(text, max));
}

/** Is this a valid attribute / extension name (`[a-z0-9]+`, not a JSON-format member)? */
export function isValidAttributeName(name: string): boolean {
  return ATTRIBUTE_NAME.test(name) && name !== "data";
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return "bytes";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function checkString(
  name: string,
  value: unknown,
): CloudEventValidationError | undefined {
  if (typeof value !== "string") {
    return new CloudEventValidationError(name, `attribute ${name} must be a string, got ${describe(value)}`);
  }
  if (value === "") return new CloudEventValidationError(name, `attribute ${name} is empty`);
  if (FORBIDDEN_STRING_CHARS.test(value)) {
    return new CloudEventValidationError(
      name,
      `attribute ${name} contains a control character, a noncharacter or a lone surrogate`,
    );
  }
  return undefined;
}

/** Is this a valid RFC 3339 timestamp (with a real calendar date)? */
export function isRfc3339(value: string): boolean {
  // checked with test(), then read by position: exec() allocated a match array and ten strings
  // for every event a sink encodes
  if (!RFC3339.test(value)) return false;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return false;
  if (day > daysInMonth(year, month)) return false;
  const last = value.charCodeAt(value.length - 1);
  if (last !== 90 /* Z */ && last !== 122 /* z */) {
    // the offset: ±hh:mm at the end
    const at = value.length - 5;
    if (digits(value, at, 2) > 23 || digits(value, at + 3, 2) > 59) return false;
  }
  return true;
}

/** The decimal number of `length` ASCII digits at `at` (the caller has matched them). */
function digits(s: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Media type without parameters, lower-cased; `isJsonMediaType` is true for `application/json`,
 * `text/json`, `* /json` and `* /*+json` (spec: JSON format §3.1).
 */
export function mediaTypeOf(contentType: string): string {
  const semi = contentType.indexOf(";");
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true; // absent datacontenttype implies application/json
  const media = mediaTypeOf(contentType);
  const slash = media.indexOf("/");
  if (slash < 0) return false;
  const sub = media.slice(slash + 1);
  return sub === "json" || sub.endsWith("+json");
}

function checkExtensionValue(name: string, value: unknown): CloudEventValidationError | undefined {
  if (typeof value === "string") {
    if (FORBIDDEN_STRING_CHARS.test(value)) {
      return new CloudEventValidationError(
        name,
        `extension ${clip(name)} contains a control character, a noncharacter or a lone surrogate`,
      );
    }
    return undefined;
  }
  if (typeof value === "boolean" || value instanceof Uint8Array) return undefined;
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return undefined;
    return new CloudEventValidationError(
      name,
      `extension ${clip(name)} must be a string, boolean or 32-bit integer, got the number ${value}`,
    );
  }
  return new CloudEventValidationError(
    name,
    `extension ${clip(name)} must be a string, boolean or 32-bit integer, got ${describe(value)}`,
  );
}

/**
 * Validate a CloudEvent (1.0). Returns `undefined` when valid, otherwise an error naming the
 * attribute. `null`/`undefined` optional attributes and extensions count as absent.
 */
export function validateCloudEvent(value: unknown): CloudEventValidationError | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    return new CloudEventValidationError("", `a CloudEvent must be an object, got ${describe(value)}`);
  }
  const ev = value as Record<string, unknown>;

  // specversion first: it decides how to read the rest.
  const sv = ev.specversion;
  if (sv === undefined || sv === null) {
    return new CloudEventValidationError("specversion", "attribute specversion is missing");
  }
  if (sv !== SPEC_VERSION) {
    if (sv === "") return new CloudEventValidationError("specversion", "attribute specversion is empty");
    return new CloudEventValidationError(
      "specversion",
      `attribute specversion ${quoted(sv)} is not supported (expected "1.0")`,
    );
  }
  for (const name of ["id", "source", "type"] as const) {
    const v = ev[name];
    if (v === undefined || v === null) {
      return new CloudEventValidationError(name, `attribute ${name} is missing`);
    }
    const err = checkString(name, v);
    if (err) return err;
  }
  if (NOT_URI_CHARS.test(ev.source as string)) {
    return new CloudEventValidationError(
      "source",
      "attribute source is not a URI-reference (it contains a space or a character not allowed in URIs)",
    );
  }
  for (const name of OPTIONAL_ATTRIBUTES) {
    const v = ev[name];
    if (v === undefined || v === null) continue;
    const err = checkString(name, v);
    if (err) return err;
  }
  if (typeof ev.time === "string" && !isRfc3339(ev.time)) {
    return new CloudEventValidationError("time", `attribute time ${quoted(ev.time)} is not an RFC 3339 timestamp`);
  }
  if (typeof ev.dataschema === "string" && (!URI_SCHEME.test(ev.dataschema) || NOT_URI_CHARS.test(ev.dataschema))) {
    return new CloudEventValidationError("dataschema", "attribute dataschema is not an absolute URI");
  }
  if (typeof ev.datacontenttype === "string" && mediaTypeOf(ev.datacontenttype).indexOf("/") <= 0) {
    return new CloudEventValidationError(
      "datacontenttype",
      `attribute datacontenttype ${quoted(ev.datacontenttype)} is not a media type`,
    );
  }

  const hasData = ev.data !== undefined;
  const b64 = ev.data_base64;
  if (b64 !== undefined && b64 !== null) {
    if (hasData) {
      return new CloudEventValidationError("data_base64", "data and data_base64 are mutually exclusive");
    }
    if (typeof b64 !== "string" || !BASE64.test(b64)) {
      return new CloudEventValidationError("data_base64", "data_base64 is not valid base64");
    }
  }
  if (hasData && ev.data !== null && !isJsonMediaType(ev.datacontenttype as string | undefined)) {
    if (typeof ev.data !== "string" && !(ev.data instanceof Uint8Array)) {
      return new CloudEventValidationError(
        "data",
        `data for datacontenttype ${clip(String(ev.datacontenttype))} must be a string or bytes, got ${describe(ev.data)}`,
      );
    }
  }

  for (const name of Object.keys(ev)) {
    if (CONTEXT_ATTRIBUTES.has(name) || DATA_MEMBERS.has(name)) continue;
    const v = ev[name];
    if (v === undefined || v === null) continue;
    if (!isValidAttributeName(name)) {
      return new CloudEventValidationError(
        name,
        `extension name ${quoted(name)} is invalid (only lower-case letters a-z and digits 0-9)`,
      );
    }
    const err = checkExtensionValue(name, v);
    if (err) return err;
  }
  return undefined;
}

/** Throw a `CloudEventValidationError` unless `value` is a valid CloudEvent. */
export function assertCloudEvent(value: unknown): asserts value is CloudEvent {
  const err = validateCloudEvent(value);
  if (err) throw err;
}

/**
 * Does this payload claim to be a CloudEvent (a plain object with a `specversion` member)?
 * Sinks use it to decide between "send as is (after validation)" and "wrap as data".
 */
export function looksLikeCloudEvent(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    Object.prototype.hasOwnProperty.call(value, "specversion")
  );
}

export interface WrapOptions {
  type: string;
  source: string;
  subject?: string;
  /** Default: `application/json` for JSON values, `text/plain; charset=utf-8` for strings,
   *  `application/octet-stream` for bytes. */
  datacontenttype?: string;
  dataschema?: string;
  /** Extension attributes to add (names validated). */
  extensions?: Record<string, string | number | boolean>;
  /** For tests: fixed id / time. Default: crypto.randomUUID() and now. */
  id?: string;
  time?: string;
}

/**
 * Wrap any payload as `data` of a new CloudEvent (id = random UUID, time = now). `undefined`
 * gives an event without data. Throws `CloudEventValidationError` when the options make an
 * invalid event (e.g. an empty `type`).
 */
export function wrapAsCloudEvent(payload: unknown, options: WrapOptions): CloudEvent {
  const ev: CloudEvent = {
    specversion: SPEC_VERSION,
    id: options.id ?? randomUUID(),
    source: options.source,
    type: options.type,
    time: options.time ?? new Date().toISOString(),
  };
  if (options.subject !== undefined && options.subject !== "") ev.subject = options.subject;
  if (options.dataschema !== undefined && options.dataschema !== "") ev.dataschema = options.dataschema;
  let contentType = options.datacontenttype === "" ? undefined : options.datacontenttype;
  if (payload !== undefined) {
    if (contentType === undefined) {
      if (typeof payload === "string") contentType = "text/plain; charset=utf-8";
      else if (payload instanceof Uint8Array) contentType = "application/octet-stream";
      else contentType = "application/json";
    }
    ev.datacontenttype = contentType;
    ev.data = payload;
  } else if (contentType !== undefined) {
    ev.datacontenttype = contentType;
  }
  if (options.extensions) {
    for (const [k, v] of Object.entries(options.extensions)) {
      if (CONTEXT_ATTRIBUTES.has(k) || DATA_MEMBERS.has(k)) {
        throw new CloudEventValidationError(k, `extension name ${quoted(k)} is reserved`);
      }
      ev[k] = v;
    }
  }
  assertCloudEvent(ev);
  return ev;
}

/**
 * The sink's entry point: a payload that looks like a CloudEvent is validated and returned
 * (a `Date` in `time` is converted to its ISO string, `null` members dropped); anything else
 * is wrapped with `wrapAsCloudEvent`. Throws `CloudEventValidationError`.
 */
export function toCloudEvent(payload: unknown, wrap: WrapOptions): CloudEvent {
  if (!looksLikeCloudEvent(payload)) return wrapAsCloudEvent(payload, wrap);
  let ev: Record<string, unknown> = payload;
  if (ev.time instanceof Date) {
    const t = ev.time;
    if (Number.isNaN(t.getTime())) throw new CloudEventValidationError("time", "attribute time is an invalid Date");
    ev = { ...ev, time: t.toISOString() };
  }
  assertCloudEvent(ev);
  return ev;
}
