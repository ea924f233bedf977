/**
 * Every text a target answered passes through the sink's `Scrubber` (lib/common/scrub.ts)
 * before it reaches status, logs, `msg.error` or `msg.response`: an echoing peer must not put a
 * configured secret there.
 */
import type { Scrubber } from "../common/scrub";
import type { AttemptFailure, DeliveredResult, FailedResult } from "../http/result";
import type { ResponseHeaders } from "../http/sender";
import type { SinkResult } from "./result";

function scrubHeaders(s: Scrubber, headers: ResponseHeaders): ResponseHeaders {
  const out: ResponseHeaders = {};
  for (const [k, v] of Object.entries(headers)) out[k] = typeof v === "string" ? s.scrub(v) : v.map((x) => s.scrub(x));
  return out;
}

/** The result with every peer text scrubbed (the same object when there is nothing to remove). */
export function scrubResult<R extends SinkResult>(s: Scrubber, r: R): R {
  if (s.empty) return r;
  if (r.outcome === "delivered") {
    const out: DeliveredResult = { ...r, bodyExcerpt: s.scrub(r.bodyExcerpt), headers: scrubHeaders(s, r.headers) };
    if (out.id !== undefined) out.id = s.scrub(out.id);
    return out as R;
  }
  if (r.outcome === "filtered") return r;
  const out: FailedResult = { ...r, reason: s.scrub(r.reason) };
  if (r.message !== undefined) out.message = s.scrub(r.message);
  if (r.bodyExcerpt !== undefined) out.bodyExcerpt = s.scrub(r.bodyExcerpt);
  return out as R;
}

/** A listener for failed attempts that gets the reason scrubbed. */
export function scrubAttempt<A extends unknown[]>(s: Scrubber, fn: (f: AttemptFailure, ...rest: A) => void): (f: AttemptFailure, ...rest: A) => void {
  if (s.empty) return fn;
  return (f, ...rest) => fn({ ...f, reason: s.scrub(f.reason) }, ...rest);
}
