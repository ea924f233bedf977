/**
 * Request bodies for `cloudevent-in`: read with a size limit (never buffering past it) and a
 * deadline, or recovered from what an earlier body parser left in `req.body`.
 *
 * Node-RED trap (reference node-red.md §2.8): when `httpAdminRoot` and `httpNodeRoot` are the
 * same, every request passes the editor app first, whose JSON and urlencoded parsers consume
 * `application/json` and `application/x-www-form-urlencoded` bodies (up to `apiMaxLength`, 5 MB)
 * and leave the parsed value in `req.body` with the stream ended. Those bodies are turned back
 * into bytes: JSON re-serialized (the same JSON value; whitespace and number spelling may
 * differ), form data re-encoded. Other media types reach us unread.
 */
import type { IncomingMessage } from "node:http";

export type BodyResult =
  | { ok: true; body: Buffer }
  | { ok: false; status: 400 | 408 | 413; reason: string; /** the client went away: no answer possible */ gone?: boolean };

/** What body parsers before us may have put on the request. */
export interface ParsedRequest extends IncomingMessage {
  body?: unknown;
  _body?: boolean;
}

/** Content-Length as a number; undefined when absent; NaN when malformed. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const v = req.headers["content-length"];
  if (v === undefined) return undefined;
  return /^\d{1,15}$/.test(v) ? Number(v) : NaN;
}

/** Has someone else read the body already? */
export function bodyConsumed(req: ParsedRequest): boolean {
  return req.readableEnded === true && req._body === true;
}

function formEncode(value: unknown): string {
  const params = new URLSearchParams();
  const add = (key: string, v: unknown): void => {
    if (v === null || v === undefined) params.append(key, "");
    else if (Array.isArray(v)) v.forEach((item, i) => add(typeof item === "object" && item !== null ? `${key}[${i}]` : key, item));
    else if (typeof v === "object") for (const [k, inner] of Object.entries(v)) add(`${key}[${k}]`, inner);
    else params.append(key, String(v));
  };
  if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) add(k, v);
  return params.toString();
}

/** The bytes of a body a parser before us has consumed (see the file comment). */
export function recoverBody(req: ParsedRequest, limit: number): BodyResult {
  const b = req.body;
  let bytes: Buffer;
  if (Buffer.isBuffer(b)) bytes = b;
  else if (typeof b === "string") bytes = Buffer.from(b, "utf8");
  else if (b === undefined) bytes = Buffer.alloc(0);
  else {
    const ct = String(req.headers["content-type"] ?? "").toLowerCase();
    if (ct.includes("x-www-form-urlencoded")) {
      bytes = Buffer.from(formEncode(b), "utf8");
    } else if (declaredLength(req) === 0) {
      bytes = Buffer.alloc(0); // body-parser gives {} for an empty JSON body
    } else {
      bytes = Buffer.from(JSON.stringify(b) ?? "", "utf8");
    }
  }
  const declared = declaredLength(req);
  if ((declared !== undefined && declared > limit) || bytes.length > limit) {
    return { ok: false, status: 413, reason: `body is larger than ${limit} bytes` };
  }
  return { ok: true, body: bytes };
}

/**
 * Read the body: at most `limit` bytes (413 as soon as more arrive; the excess is discarded, not
 * kept), within `timeoutMs` for the whole body (408). A client that disconnects mid-body gets
 * `gone`. Never rejects.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (r: BodyResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      if (!r.ok) chunks.length = 0;
      resolve(r);
    };
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      size += buf.length;
      if (size > limit) {
        finish({ ok: false, status: 413, reason: `body is larger than ${limit} bytes` });
        return;
      }
      chunks.push(buf);
    };
    const onEnd = (): void => finish({ ok: true, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size) });
    const onError = (): void => finish({ ok: false, status: 400, reason: "the request body could not be read", gone: true });
    const onClose = (): void => {
      if (!req.complete) finish({ ok: false, status: 400, reason: "the client closed the connection before the body was complete", gone: true });
    };
    const timer = setTimeout(
      () => finish({ ok: false, status: 408, reason: `the body did not arrive within ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
    if (req.readableEnded) onEnd();
  });
}
