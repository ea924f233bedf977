/**
 * xsd:dateTime handling without losing vCenter's sub-millisecond digits (JS Date keeps ms only;
 * govmomi's simulator writes nanoseconds). Times are compared as normalised UTC strings with
 * nine fractional digits, which sort like the instants they name.
 */

const DATE_TIME = /^(\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;

export interface ParsedTime {
  /** whole seconds since the epoch, UTC */
  seconds: number;
  /** fractional digits as written, at most 9 */
  fraction: string;
}

export function parseVimTime(text: string): ParsedTime {
  const m = DATE_TIME.exec(text.trim());
  if (m === null) throw new Error(`not an xsd:dateTime: "${text}"`);
  const [, y, mo, d, h, mi, s, frac = "", zone = "Z"] = m;
  let seconds = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  if (zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const offset = (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60;
    seconds -= sign * offset;
  }
  return { seconds, fraction: frac.slice(0, 9) };
}

/** Already UTC and well formed: 2022-03-21T16:35:39[.fraction]Z (what vCenter writes). */
const UTC_FAST = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(\d{1,9}))?Z$/;

/** Already a key: UTC with nine fractional digits. */
const KEY_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

/**
 * Sortable key: UTC, nine fractional digits. Keys are kept for long (the reader remembers the
 * last 10,000, positions and the in-flight window hold them): a time already in key form is
 * its own key, and a key built from parts is one flat string (a template literal would make a
 * tree of four string objects, a view of `text` among them).
 */
export function timeKey(text: string): string {
  if (KEY_FORM.test(text)) return text;
  const fast = UTC_FAST.exec(text);
  if (fast !== null) return [text.slice(0, 19), ".", (fast[1] ?? "").padEnd(9, "0"), "Z"].join("");
  const t = parseVimTime(text);
  return [new Date(t.seconds * 1000).toISOString().slice(0, 19), ".", t.fraction.padEnd(9, "0"), "Z"].join("");
}

/**
 * RFC 3339 in UTC with trailing fractional zeros dropped: what Go's
 * `t.UTC().Format(time.RFC3339Nano)` writes, and so what the CloudEvents Go SDK puts in `time`.
 */
export function goUtcTime(text: string): string {
  const fast = UTC_FAST.exec(text);
  if (fast !== null) {
    const frac = (fast[1] ?? "").replace(/0+$/, "");
    return `${text.slice(0, 19)}${frac !== "" ? `.${frac}` : ""}Z`;
  }
  const t = parseVimTime(text);
  const frac = t.fraction.replace(/0+$/, "");
  return `${new Date(t.seconds * 1000).toISOString().slice(0, 19)}${frac !== "" ? `.${frac}` : ""}Z`;
}

/** `text` minus whole seconds, as an xsd:dateTime in UTC (keeps the fractional digits). */
export function minusSeconds(text: string, seconds: number): string {
  const t = parseVimTime(text);
  const base = new Date((t.seconds - Math.floor(seconds)) * 1000).toISOString().slice(0, 19);
  return `${base}${t.fraction !== "" ? `.${t.fraction}` : ""}Z`;
}
