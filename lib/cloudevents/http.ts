/**
 * CloudEvents HTTP protocol binding 1.0.2: binary, structured and batched content modes,
 * encoding (senders) and decoding (receivers).
 *
 * Decoding returns events in the JSON event format (see event.ts): a binary-mode body becomes
 * `data` (parsed JSON for JSON media types, text for UTF-8 text types) or `data_base64` (any
 * other bytes), so what a receiver emits round-trips unchanged through either encoding.
 */
import {
  type CloudEvent,
  CloudEventValidationError,
  clip,
  DATA_MEMBERS,
  isJsonMediaType,
  isValidAttributeName,
  validateCloudEvent,
} from "./event";
import { decodeHeaderValue, encodeHeaderValue, HeaderValueError } from "./percent";

export const CE_JSON = "application/cloudevents+json";
export const CE_BATCH_JSON = "application/cloudevents-batch+json";
export const STRUCTURED_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8";
export const BATCH_CONTENT_TYPE = "application/cloudevents-batch+json; charset=utf-8";

/** Headers and body of an HTTP message (request or response). Header names are lower-case. */
export interface HttpMessage {
  headers: Record<string, string>;
  body: string | Buffer;
}

/** Incoming headers: Node's `IncomingHttpHeaders` or any similar map (names any case). */
export type IncomingHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export type ContentMode = "binary" | "structured" | "batch";

/** A request that cannot be turned into CloudEvents, with the HTTP status to answer. */
export class CloudEventHttpError extends Error {
  override readonly name = "CloudEventHttpError";
  /** 400: malformed CloudEvent; 415: not a CloudEvent / unsupported format or charset. */
  readonly statusCode: 400 | 415;
  /** Attribute at fault (400), when one is. */
  readonly attribute: string | undefined;
  /** Position in a batch, when the error is about one element. */
  readonly index: number | undefined;

  constructor(statusCode: 400 | 415, message: string, attribute?: string, index?: number) {
    super(message);
    this.statusCode = statusCode;
    this.attribute = attribute === undefined ? undefined : clip(attribute);
    this.index = index;
  }

  static fromValidation(err: CloudEventValidationError): CloudEventHttpError {
    return new CloudEventHttpError(400, err.message, err.attribute || undefined, err.index);
  }
}

// ---------------------------------------------------------------------------------------------
// Content types

export interface ParsedContentType {
  /** type/subtype, lower-cased, without parameters */
  mediaType: string;
  /** parameter names lower-cased; quoted values unquoted */
  params: Record<string, string>;
}

/** Parse a Content-Type value (RFC 9110 §8.3.1); lenient about whitespace. */
export function parseContentType(value: string): ParsedContentType {
  const semi = value.indexOf(";");
  const mediaType = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  if (semi >= 0) {
    const re = /;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
    const rest = value.slice(semi);
    let m: RegExpExecArray | null;
    while ((m = re.exec(rest)) !== null) {
      const name = m[1].toLowerCase();
      let v = m[2].trim();
      if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
      params[name] = v;
    }
  }
  return { mediaType, params };
}

/** The content mode a receiver uses for this Content-Type (spec §3: batch, structured, binary). */
export function contentModeOf(contentType: string | undefined): ContentMode {
  if (contentType === undefined) return "binary";
  const media = contentType.trimStart().toLowerCase();
  if (media.startsWith("application/cloudevents-batch")) return "batch";
  if (media.startsWith("application/cloudevents")) return "structured";
  return "binary";
}

const UTF8_CHARSETS = new Set(["utf-8", "utf8", "us-ascii", "ascii"]);

function isUtf8Charset(params: Record<string, string>): boolean {
  const cs = params.charset;
  return cs === undefined || UTF8_CHARSETS.has(cs.toLowerCase());
}

/** Text media types whose bytes are carried as a `data` string (when UTF-8). */
export function isTextMediaType(parsed: ParsedContentType): boolean {
  const m = parsed.mediaType;
  if (m.startsWith("text/")) return true;
  if (parsed.params.charset !== undefined) return true;
  const sub = m.slice(m.indexOf("/") + 1);
  return (
    sub === "xml" ||
    sub.endsWith("+xml") ||
    sub === "yaml" ||
    sub === "x-yaml" ||
    sub.endsWith("+yaml") ||
    sub === "javascript" ||
    sub === "x-www-form-urlencoded"
  );
}

// ---------------------------------------------------------------------------------------------
// Encoding

function canonicalString(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  return String(value); // boolean, integer (validated)
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function stringifyData(data: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (err) {
    throw new CloudEventValidationError("data", `data is not JSON-serializable: ${(err as Error).message}`);
  }
  if (text === undefined) {
    throw new CloudEventValidationError("data", "data is not JSON-serializable (a function or symbol)");
  }
  return text;
}

function check(event: CloudEvent): void {
  const err = validateCloudEvent(event);
  if (err) throw err;
}

export interface EncodeOptions {
  /** Validate before encoding (default true). Throws `CloudEventValidationError`. */
  validate?: boolean;
}

/**
 * Binary content mode: attributes as `ce-` headers (percent-encoded per 1.0.2), `content-type`
 * from `datacontenttype`, the body is the data: JSON text for JSON media types (and when
 * `datacontenttype` is absent, which implies `application/json`), the string or bytes
 * otherwise, and the decoded bytes of `data_base64`.
 */
export function toBinary(event: CloudEvent, options?: EncodeOptions): HttpMessage {
  if (options?.validate !== false) check(event);
  const headers: Record<string, string> = {};
  for (const name of Object.keys(event)) {
    if (name === "datacontenttype" || DATA_MEMBERS.has(name)) continue;
    const value = event[name];
    if (value === undefined || value === null) continue;
    headers["ce-" + name] = encodeHeaderValue(canonicalString(value));
  }
  const contentType = event.datacontenttype ?? undefined;
  let body: string | Buffer = "";
  if (typeof event.data_base64 === "string") {
    body = Buffer.from(event.data_base64, "base64");
  } else if (event.data instanceof Uint8Array) {
    body = toBuffer(event.data);
  } else if (event.data !== undefined) {
    if (isJsonMediaType(contentType)) {
      body = stringifyData(event.data);
      if (contentType === undefined) headers["content-type"] = "application/json";
    } else if (typeof event.data === "string") {
      body = event.data;
    }
  }
  if (contentType !== undefined) headers["content-type"] = contentType;
  return { headers, body };
}

/**
 * The event as a plain JSON-format object (what `JSON.stringify` gives in structured mode):
 * bytes in `data` become `data_base64`, byte-valued extensions become base64 text, `null` and
 * `undefined` attributes are dropped (`data: null` is kept: an explicit null payload).
 */
export function toJsonObject(event: CloudEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(event)) {
    if (DATA_MEMBERS.has(name)) continue;
    const value = event[name];
    if (value === undefined || value === null) continue;
    out[name] = value instanceof Uint8Array ? canonicalString(value) : value;
  }
  if (typeof event.data_base64 === "string") out.data_base64 = event.data_base64;
  else if (event.data instanceof Uint8Array) out.data_base64 = canonicalString(event.data);
  else if (event.data !== undefined) out.data = event.data;
  return out;
}

/** Structured content mode: the JSON event format, `application/cloudevents+json; charset=utf-8`. */
export function toStructured(event: CloudEvent, options?: EncodeOptions): HttpMessage {
  if (options?.validate !== false) check(event);
  const obj = toJsonObject(event);
  if ("data" in obj && !isJsonMediaType(event.datacontenttype) && typeof obj.data !== "string" && obj.data !== null) {
    throw new CloudEventValidationError("data", "data for a non-JSON datacontenttype must be a string or bytes");
  }
  const body = stringifyData(obj);
  return { headers: { "content-type": STRUCTURED_CONTENT_TYPE }, body };
}

/** The sink's `encoding` setting: binary or structured content mode. */
export type Encoding = "binary" | "structured";

/** `toBinary` or `toStructured` by name. Throws `CloudEventValidationError`. */
export function toHttp(event: CloudEvent, encoding: Encoding, options?: EncodeOptions): HttpMessage {
  return encoding === "structured" ? toStructured(event, options) : toBinary(event, options);
}

/** Batched content mode (only for receivers that asked for it). */
export function toBatch(events: readonly CloudEvent[], options?: EncodeOptions): HttpMessage {
  const parts: string[] = [];
  events.forEach((ev, i) => {
    if (options?.validate !== false) {
      const err = validateCloudEvent(ev);
      if (err) throw err.atIndex(i);
    }
    parts.push(stringifyData(toJsonObject(ev)));
  });
  return { headers: { "content-type": BATCH_CONTENT_TYPE }, body: "[" + parts.join(",") + "]" };
}

// ---------------------------------------------------------------------------------------------
// Decoding

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function header(headers: IncomingHeaders, lowerName: string): string | undefined {
  const v = headers[lowerName];
  if (v === undefined) {
    // tolerate maps with mixed-case names
    for (const k of Object.keys(headers)) {
      if (k.length === lowerName.length && k.toLowerCase() === lowerName) return single(headers[k], k);
    }
    return undefined;
  }
  return single(v, lowerName);
}

function single(v: string | readonly string[] | undefined, name: string): string | undefined {
  if (v === undefined || typeof v === "string") return v;
  if (v.length === 0) return undefined;
  if (v.length > 1) throw new CloudEventHttpError(400, `header ${clip(name)} is present more than once`);
  return v[0];
}

function decodeUtf8(body: Buffer, what: string, attribute?: string): string {
  try {
    return utf8.decode(body); // strips a leading BOM
  } catch {
    throw new CloudEventHttpError(400, `${what} is not valid UTF-8`, attribute);
  }
}

function parseJson(text: string, what: string, attribute?: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CloudEventHttpError(400, `${what} is not valid JSON: ${(err as Error).message}`, attribute);
  }
}

/** Drop `null` attributes (JSON format: null = absent), keep `data: null`; validate. */
function jsonEvent(value: unknown, index?: number): CloudEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const what = Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`;
    const msg = `a structured CloudEvent must be a JSON object, got ${what}`;
    throw new CloudEventHttpError(400, index === undefined ? msg : `event [${index}]: ${msg}`, undefined, index);
  }
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (obj[k] === null && k !== "data") delete obj[k];
  }
  const err = validateCloudEvent(obj);
  if (err) throw CloudEventHttpError.fromValidation(index === undefined ? err : err.atIndex(index));
  return obj as CloudEvent;
}

function decodeStructured(contentType: string, body: Buffer, batch: boolean): CloudEvent[] {
  const parsed = parseContentType(contentType);
  const expected = batch ? CE_BATCH_JSON : CE_JSON;
  if (parsed.mediaType !== expected) {
    throw new CloudEventHttpError(415, `unsupported CloudEvents format ${clip(parsed.mediaType)} (supported: ${expected})`);
  }
  if (!isUtf8Charset(parsed.params)) {
    throw new CloudEventHttpError(415, `unsupported charset ${clip(String(parsed.params.charset))} (JSON must be UTF-8)`);
  }
  if (body.length === 0) throw new CloudEventHttpError(400, "body is empty");
  const value = parseJson(decodeUtf8(body, "body"), "body");
  if (!batch) return [jsonEvent(value)];
  if (!Array.isArray(value)) {
    throw new CloudEventHttpError(400, "a CloudEvents batch must be a JSON array");
  }
  return value.map((v, i) => jsonEvent(v, i));
}

const REQUIRED_HEADERS = ["ce-specversion", "ce-id", "ce-source", "ce-type"];

function decodeBinary(headers: IncomingHeaders, contentType: string | undefined, body: Buffer): CloudEvent {
  const event: Record<string, unknown> = {};
  let seen = false;
  for (const key of Object.keys(headers)) {
    if (key.length < 3) continue;
    const lower = key.toLowerCase();
    if (!lower.startsWith("ce-")) continue;
    const raw = single(headers[key], lower);
    if (raw === undefined) continue;
    const name = lower.slice(3);
    if (name === "datacontenttype") continue; // MUST NOT be sent; Content-Type is authoritative
    if (!isValidAttributeName(name) || DATA_MEMBERS.has(name)) {
      throw new CloudEventHttpError(400, `header ${clip(lower)}: ${JSON.stringify(clip(name))} is not a valid attribute name`, name);
    }
    if (REQUIRED_HEADERS.includes(lower)) seen = true;
    let value: string;
    try {
      value = decodeHeaderValue(raw);
    } catch (err) {
      if (err instanceof HeaderValueError) {
        throw new CloudEventHttpError(400, `attribute ${clip(name)} (header ${clip(lower)}): ${err.message}`, name);
      }
      throw err;
    }
    event[name] = value;
  }
  if (!seen) {
    throw new CloudEventHttpError(
      415,
      contentType === undefined
        ? "not a CloudEvent: no Content-Type and no ce- attribute headers"
        : `not a CloudEvent: content type ${clip(parseContentType(contentType).mediaType)} is not a CloudEvents format and there are no ce- attribute headers`,
    );
  }
  if (contentType !== undefined && contentType.trim() !== "") {
    event.datacontenttype = contentType.trim();
  }
  // Validate attributes before looking at the body, so the attribute errors come first.
  const err = validateCloudEvent(event);
  if (err) throw CloudEventHttpError.fromValidation(err);

  if (body.length > 0) {
    const ct = event.datacontenttype as string | undefined;
    const parsed = ct === undefined ? undefined : parseContentType(ct);
    if (parsed === undefined) {
      event.data_base64 = body.toString("base64");
    } else if (!isUtf8Charset(parsed.params)) {
      event.data_base64 = body.toString("base64");
    } else if (isJsonMediaType(ct)) {
      event.data = parseJson(decodeUtf8(body, "data", "data"), `data (${clip(parsed.mediaType)})`, "data");
    } else if (isTextMediaType(parsed)) {
      event.data = decodeUtf8(body, `data (${clip(parsed.mediaType)})`, "data");
    } else {
      event.data_base64 = body.toString("base64");
    }
  }
  return event as CloudEvent;
}

/**
 * Decode an HTTP request (or response) into CloudEvents: binary (one event, `ce-` headers
 * percent-decoded), structured (one event; any parameters such as `charset=UTF-8`) or batched
 * (`application/cloudevents-batch+json`; all-or-nothing, the error names the index).
 *
 * Throws `CloudEventHttpError` with `statusCode` 400 (malformed; the message names the
 * attribute) or 415 (not a CloudEvent, unsupported event format or charset).
 */
export function fromHttp(headers: IncomingHeaders, body: Buffer): CloudEvent[] {
  const contentType = header(headers, "content-type");
  const mode = contentModeOf(contentType);
  if (mode === "binary") return [decodeBinary(headers, contentType, body)];
  return decodeStructured(contentType as string, body, mode === "batch");
}

/**
 * The bytes of an event's payload: `data_base64` decoded, bytes as is, text as UTF-8, JSON
 * values serialized; `undefined` when the event has no data.
 */
export function dataBytes(event: CloudEvent): Buffer | undefined {
  if (typeof event.data_base64 === "string") return Buffer.from(event.data_base64, "base64");
  if (event.data === undefined) return undefined;
  if (event.data instanceof Uint8Array) return toBuffer(event.data);
  if (typeof event.data === "string" && !isJsonMediaType(event.datacontenttype)) {
    return Buffer.from(event.data, "utf8");
  }
  return Buffer.from(stringifyData(event.data), "utf8");
}
