/**
 * `msg.error` of a dead letter (output 2 of every sink node), and the error text of a message
 * whose events were not all delivered while output 2 is unwired.
 */
import type { FailedResult } from "../http/result";

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
  /** transport error code (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT, EINVALIDEVENT, ...) or the target's error code */
  code?: string;
  /** true when the last failure was retryable and attempts ran out */
  retryable: boolean;
  /** OpenFaaS: the function, `name.namespace` */
  function?: string;
}

export function deadLetter(r: FailedResult, fn?: string): DeadLetter {
  const d: DeadLetter = {
    message: fn === undefined ? (r.message ?? r.reason) : `function ${fn}: ${r.reason}`,
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

/** One line for a dead letter: the reason, after the function it is for. */
export function failureText(d: DeadLetter): string {
  return d.function === undefined ? d.reason : `function ${d.function}: ${d.reason}`;
}

/** `msg.error` for a message with several dead letters: the first, with all listed. */
export type CombinedDeadLetter = DeadLetter & { failures?: DeadLetter[] };

/** `msg.error` and the error text for the dead letters of one message (at least one). */
export function combineDeadLetters(failures: readonly DeadLetter[]): { error: CombinedDeadLetter; text: string } {
  const first = failures[0];
  const text = failures.map(failureText).join("; ");
  return failures.length === 1 ? { error: first, text } : { error: { ...first, message: text, failures: [...failures] }, text };
}
