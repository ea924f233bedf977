/**
 * The status a sink node shows: delivered / failed counts, the last error, retries in
 * progress. The view is an i18n key (relative to the node type, e.g. `status.delivered`) with
 * parameters; the node translates it. Updates are throttled: thousands of events per second
 * must not become thousands of status messages to the editor.
 */
import type { AttemptFailure, DeliveryResult } from "../delivery/queue";

export type StatusFill = "red" | "green" | "yellow" | "blue" | "grey";
export type StatusShape = "ring" | "dot";

export interface StatusView {
  fill: StatusFill;
  shape: StatusShape;
  /** key below the node type's catalog, e.g. `status.delivered` */
  key: string;
  params: Record<string, string | number>;
}

const MAX_REASON = 80;

export function shortReason(reason: string): string {
  return reason.length <= MAX_REASON ? reason : reason.slice(0, MAX_REASON - 1) + "…";
}

export class SinkCounters {
  delivered = 0;
  failed = 0;
  /** messages no target was found for (OpenFaaS: no function subscribed to the topic) */
  unmatched = 0;
  lastError: string | undefined;
  /** the most recent result was a failure */
  lastFailed = false;
  /** a retry is pending: the failure that caused it */
  retrying: { reason: string; attempt: number; target?: string } | undefined;

  record(result: DeliveryResult): void {
    if (result.outcome === "closed") return;
    this.retrying = undefined;
    if (result.ok) {
      this.delivered++;
      this.lastFailed = false;
    } else {
      this.failed++;
      this.lastFailed = true;
      this.lastError = result.reason;
    }
  }

  attemptFailed(f: AttemptFailure, target?: string): void {
    if (f.nextDelayMs === undefined) return; // the result follows
    this.retrying = { reason: f.reason, attempt: f.attempt, ...(target !== undefined ? { target } : {}) };
  }
}

/** `knative-out`'s view (also the counts part of other sinks). */
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

/**
 * Calls `fn` at most once per `intervalMs`: the first request at once, later ones at the end
 * of the interval (so the last state is always shown).
 */
export class Throttle {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private closed = false;

  constructor(
    private readonly intervalMs: number,
    private readonly fn: () => void,
  ) {}

  request(): void {
    if (this.closed || this.timer !== undefined) return;
    const wait = this.last + this.intervalMs - Date.now();
    if (wait <= 0) {
      this.run();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  /** Show now (state changes that must not wait). */
  now(): void {
    if (this.closed) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.run();
  }

  private run(): void {
    if (this.closed) return;
    this.last = Date.now();
    try {
      this.fn();
    } catch {
      // status display must never break delivery
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
