/** The counts every sink node shows: delivered, failed, filtered, the last error, a pending retry. */
import type { AttemptFailure } from "../http/result";
import type { SinkResult } from "./result";
import { shortReason, type StatusView } from "../common/status-view";

export class SinkCounters {
  delivered = 0;
  failed = 0;
  /** events nothing took: filtered out by a rule (EventBridge), no subscribed function (OpenFaaS) */
  filtered = 0;
  lastError: string | undefined;
  /** the most recent result was a failure */
  lastFailed = false;
  /** a retry is pending: the failure that caused it */
  retrying: { reason: string; attempt: number; target?: string } | undefined;

  record(result: SinkResult): void {
    if (result.outcome === "closed") return;
    if (result.outcome === "filtered") {
      this.filtered++;
      return;
    }
    this.retrying = undefined;
    if (result.ok) {
      this.delivered++;
      this.lastFailed = false;
    } else {
      this.failed++;
      this.lastFailed = true;
      this.lastError = result.message ?? result.reason;
    }
  }

  attemptFailed(f: AttemptFailure, target?: string): void {
    if (f.nextDelayMs === undefined) return; // the result follows
    this.retrying = { reason: f.reason, attempt: f.attempt, ...(target !== undefined ? { target } : {}) };
  }
}

/** The counts as a view (`knative-out`'s whole status; a part of the others'). */
export function countersView(c: SinkCounters): StatusView {
  const counts = { delivered: c.delivered, failed: c.failed };
  if (c.retrying !== undefined) {
    return { fill: "yellow", shape: "ring", key: "status.retrying", params: { ...counts, reason: shortReason(c.retrying.reason), attempt: c.retrying.attempt } };
  }
  if (c.delivered === 0 && c.failed === 0) return { fill: "grey", shape: "ring", key: "status.ready", params: counts };
  if (c.failed > 0 && c.lastError !== undefined) {
    return { fill: c.lastFailed ? "red" : "green", shape: c.lastFailed ? "ring" : "dot", key: "status.failed", params: { ...counts, reason: shortReason(c.lastError) } };
  }
  return { fill: "green", shape: "dot", key: "status.delivered", params: counts };
}
