/**
 * Reading a vCenter response body with a byte cap and a deadline. Bytes are counted as they
 * arrive and the request is aborted as soon as the cap is passed, so a broken or hostile
 * server (or a man in the middle) can cost at most the cap in memory, however large or endless
 * its answer. The deadline bounds a slow drip that never finishes.
 */
import type { Dispatcher } from "undici";
import { VsphereError, type VsphereErrorCode } from "./faults";
import type { SlabCollector } from "./page-slabs";

export const MIB = 1024 * 1024;

/** Default cap on one response: a 1,000-event page is about 1.5 MB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * MIB;

export interface BodyLimits {
  /** largest body accepted, bytes */
  maxBytes: number;
  /** Date.now() by which the whole body must have arrived */
  deadline: number;
}

export function tooLarge(maxBytes: number): VsphereError {
  const mib = Math.round((maxBytes / MIB) * 100) / 100;
  return capError(`vCenter sent a response larger than ${mib} MiB (maxResponseSize); it was cut off`, "response-too-large", { limit: mib });
}

export function tooSlow(ms: number): VsphereError {
  const s = Math.round(ms / 100) / 10;
  return capError(`vCenter did not finish its response within ${s} s; it was cut off`, "response-too-slow", { seconds: s });
}

function capError(message: string, code: VsphereErrorCode, params: Record<string, number>): VsphereError {
  return new VsphereError(message, "transport", undefined, undefined, code, params);
}

/**
 * The whole body as chunks (never more than `maxBytes` of them). Rejects with a VsphereError:
 * code "response-too-large" past the cap, "response-too-slow" past the deadline, kind
 * "transport" when the connection breaks. The body is destroyed on every failure.
 * With `into`, every chunk is copied there as it arrives (the network's buffer is not kept) and
 * the chunks returned are its slabs.
 */
export async function readBody(
  body: Dispatcher.ResponseData["body"],
  limits: BodyLimits,
  startedAt: number,
  into?: SlabCollector,
): Promise<{ chunks: Buffer[]; size: number }> {
  let chunks: Buffer[] = [];
  let size = 0;
  let timedOut = false;
  const wait = limits.deadline - Date.now();
  const timer = setTimeout(() => {
    timedOut = true;
    body.destroy(tooSlow(limits.deadline - startedAt));
  }, Math.max(0, wait));
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > limits.maxBytes) {
        chunks.length = 0;
        body.destroy();
        throw tooLarge(limits.maxBytes);
      }
      if (into !== undefined) into.add(buf);
      else chunks.push(buf);
    }
    if (into !== undefined) chunks = into.views();
    return { chunks, size };
  } catch (err) {
    body.destroy();
    chunks.length = 0;
    into?.discard();
    if (err instanceof VsphereError) throw err;
    if (timedOut) throw tooSlow(limits.deadline - startedAt);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
