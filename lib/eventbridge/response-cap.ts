/**
 * Bounds on what one EventBridge call may cost, whatever the endpoint does: the answer's body is
 * cut off at `maxBytes` (the SDK would otherwise collect a huge or endless body whole), and the
 * whole call ends after `deadlineMs` (the SDK's request timeout is an idle timeout: a slow drip
 * would hold a call for ever).
 */
import { Readable, Transform, type TransformCallback } from "node:stream";

/** PutEvents answers are a few KB, a ListRules page a few hundred: 4 MiB is generous. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

class ResponseTooLarge extends Error {
  override readonly name = "ResponseTooLarge";
  readonly code = "ERESPONSETOOLARGE";
}

/** A stream that passes at most `maxBytes` on and then fails (and drops the source). */
export function capStream(source: Readable, maxBytes: number): Readable {
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        source.destroy();
        done(new ResponseTooLarge(`the endpoint's answer is larger than ${maxBytes} bytes`));
        return;
      }
      done(null, chunk);
    },
  });
  source.on("error", (err) => cap.destroy(err));
  return source.pipe(cap);
}

interface RawResponse {
  response?: { body?: unknown };
}

/** An SDK middleware (step `deserialize`, inner) that caps the raw answer's body. */
export function responseCapMiddleware(maxBytes: number) {
  return <A, O>(next: (args: A) => Promise<O>) =>
    async (args: A): Promise<O> => {
      const out = await next(args);
      const raw = out as unknown as RawResponse;
      if (raw.response !== undefined && raw.response.body instanceof Readable) raw.response.body = capStream(raw.response.body, maxBytes);
      return out;
    };
}

class CallTimeout extends Error {
  override readonly name = "TimeoutError";
  readonly code = "ETIMEDOUT";
}

/**
 * Run `call` with a signal that aborts when `signal` does or after `deadlineMs`; a call ended by
 * the deadline rejects with a `TimeoutError` (retryable), not an abort (which means close).
 */
export async function withDeadline<T>(deadlineMs: number, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timedOut = false;
  const onAbort = (): void => ac.abort(signal.reason);
  if (signal.aborted) ac.abort(signal.reason);
  else signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new CallTimeout(`no complete answer within ${deadlineMs} ms`));
  }, deadlineMs);
  try {
    return await call(ac.signal);
  } catch (err) {
    if (timedOut && !signal.aborted) throw new CallTimeout(`no complete answer within ${deadlineMs} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}
