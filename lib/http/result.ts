/**
 * What one HTTP delivery ends with: delivered (2xx), dead letter (a final answer or attempts
 * exhausted) or closed (the engine was closed first). Sinks use the same type
 * (lib/sinks/result.ts adds `filtered`).
 */
import type { ResponseHeaders } from "./sender";

export interface DeliveredResult {
  ok: true;
  outcome: "delivered";
  statusCode: number;
  /** start of the response body (see `responseBodyLimit`) */
  bodyExcerpt: string;
  headers: ResponseHeaders;
  attempts: number;
  durationMs: number;
  /** the id the target gave the event, when it gives one (EventBridge's EventId) */
  id?: string;
}

export interface FailedResult {
  ok: false;
  /** `dead-letter`: final answer or attempts exhausted; `closed`: the queue was closed first */
  outcome: "dead-letter" | "closed";
  /** last HTTP status, when there was an answer */
  statusCode?: number;
  /** e.g. `HTTP 400 Bad Request`, `HTTP 503 Service Unavailable (gave up after 11 attempts)`,
   *  `connect ECONNREFUSED 127.0.0.1:8080`, `closed` */
  reason: string;
  /** transport error code (ECONNREFUSED, ETIMEOUT, ...) when there was no answer */
  code?: string;
  bodyExcerpt?: string;
  /** the target's own error text, when `reason` adds a prefix to it (e.g. an error code) */
  message?: string;
  attempts: number;
  /** true when the last failure was retryable (attempts exhausted, or closed); false for a final answer */
  retryable: boolean;
  durationMs: number;
}

export type DeliveryResult = DeliveredResult | FailedResult;

/** Reported after every failed attempt (for status displays and logs). */
export interface AttemptFailure {
  attempt: number;
  statusCode?: number;
  reason: string;
  retryable: boolean;
  /** wait before the next attempt; undefined when this was the last attempt */
  nextDelayMs?: number;
}


/** The outcome of a delivery ended by close (or an abort) before it was settled. */
export function closedResult(attempts: number, started: number, statusCode?: number): FailedResult {
  const r: FailedResult = {
    ok: false,
    outcome: "closed",
    reason: "closed",
    attempts,
    retryable: true,
    durationMs: performance.now() - started,
  };
  if (statusCode !== undefined) r.statusCode = statusCode;
  return r;
}

