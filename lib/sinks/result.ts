/**
 * What a sink puts on its outputs (DESIGN.md §3): output 1 carries `msg.statusCode` and
 * `msg.response` (what the target answered), output 2 carries `msg.error` (the dead letter).
 */
import type { DeliveredResult, FailedResult } from "../delivery/queue";
import type { ResponseHeaders } from "../delivery/sender";

export interface DeliveredFields {
  statusCode: number;
  response: {
    statusCode: number;
    headers: ResponseHeaders;
    /** the start of the answer's body (text, at most 4 KiB) */
    body: string;
    attempts: number;
    durationMs: number;
  };
}

export function deliveredFields(r: DeliveredResult): DeliveredFields {
  return {
    statusCode: r.statusCode,
    response: {
      statusCode: r.statusCode,
      headers: r.headers,
      body: r.bodyExcerpt,
      attempts: r.attempts,
      durationMs: Math.round(r.durationMs),
    },
  };
}

/** `msg.error` of a dead letter. */
export interface DeadLetter {
  /** one line for logs, Catch nodes and the debug sidebar */
  message: string;
  /** the last HTTP status, 0 when there was no answer (connection refused, timeout, invalid event) */
  status: number;
  /** e.g. `HTTP 400 Bad Request`, `HTTP 503 Service Unavailable (gave up after 11 attempts)` */
  reason: string;
  /** the start of the last answer's body */
  body: string;
  /** requests made (0 when the event was never sent) */
  attempts: number;
  /** transport error code (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT, EINVALIDEVENT, ...) when there was no answer */
  code?: string;
  /** true when the last failure was retryable and attempts ran out */
  retryable: boolean;
  /** OpenFaaS: the function, `name.namespace` */
  function?: string;
}

export function deadLetter(r: FailedResult, fn?: string): DeadLetter {
  const d: DeadLetter = {
    message: fn === undefined ? r.reason : `function ${fn}: ${r.reason}`,
    status: r.statusCode ?? 0,
    reason: r.reason,
    body: r.bodyExcerpt ?? "",
    attempts: r.attempts,
    retryable: r.retryable,
  };
  if (r.code !== undefined) d.code = r.code;
  if (fn !== undefined) d.function = fn;
  return d;
}

/** The result for a payload that cannot be sent at all (not a valid CloudEvent). */
export function invalidEventResult(err: unknown): FailedResult {
  const text = err instanceof Error ? err.message : String(err);
  return {
    ok: false,
    outcome: "dead-letter",
    reason: `invalid CloudEvent: ${text}`,
    code: "EINVALIDEVENT",
    attempts: 0,
    retryable: false,
    durationMs: 0,
  };
}
