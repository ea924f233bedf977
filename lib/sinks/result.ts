/**
 * What a sink's `deliver` ends with, the same for every sink: `delivered`, `dead-letter`,
 * `filtered` (the sink decided not to send it: no rule match) or `closed` (the node closed
 * first: neither delivered nor dead-lettered, the source replays it). The HTTP engine's results
 * (lib/http/result.ts) are the delivered, dead-letter and closed cases.
 */
import type { DeliveryResult, FailedResult } from "../http/result";

export type { AttemptFailure, DeliveredResult, FailedResult } from "../http/result";

export interface FilteredResult {
  ok: false;
  outcome: "filtered";
}

export type SinkResult = DeliveryResult | FilteredResult;

/** One target's result; `target` names it when a sink has several (OpenFaaS: the function). */
export interface TargetResult {
  target?: string;
  result: SinkResult;
}

/** What one `deliver` ended with, over all its targets. */
export interface DeliverySummary {
  results: readonly TargetResult[];
  /** some delivery was ended by close: the message was neither delivered nor dead-lettered */
  closed: boolean;
}

export const FILTERED: FilteredResult = Object.freeze({ ok: false, outcome: "filtered" });

/** A dead letter made here, before or instead of a request (0 attempts). */
export function localFailure(code: string, reason: string, message?: string): FailedResult {
  const r: FailedResult = { ok: false, outcome: "dead-letter", reason, code, attempts: 0, retryable: false, durationMs: 0 };
  if (message !== undefined) r.message = message;
  return r;
}

/** The result for a payload that cannot be sent at all (not a valid CloudEvent). */
export function invalidEventResult(err: unknown): FailedResult {
  return localFailure("EINVALIDEVENT", `invalid CloudEvent: ${err instanceof Error ? err.message : String(err)}`);
}

/** A failure for every message while the node's settings are invalid. */
export function configFailure(reason: string): FailedResult {
  return localFailure("ECONFIG", `not configured: ${reason}`);
}

/** A sink with one target per event, as a `DeliverySummary`: `onResult` gets its result first. */
export function oneTarget(work: Promise<SinkResult>, onResult: (r: TargetResult) => void): Promise<DeliverySummary> {
  return work.then((result) => {
    const r: TargetResult = { result };
    onResult(r);
    return { results: [r], closed: result.outcome === "closed" };
  });
}
