/**
 * What the package counts per node (plain numbers: incrementing them is the whole cost on the hot
 * path). lib/metrics/registry.ts publishes them as Prometheus series when scraped and
 * lib/metrics/hub.ts turns them into the stats model.
 */
import { RateRing } from "./rates";

/** seconds; a delivery is one HTTP exchange or several with retries in between */
export const DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** A histogram's counts per bucket (not cumulative; the last slot is +Inf), sum and count. */
export class DurationCounts {
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;
  observe(seconds: number): void {
    const v = Number.isFinite(seconds) && seconds >= 0 ? seconds : 0;
    let i = 0;
    while (i < DURATION_BUCKETS.length && v > (DURATION_BUCKETS[i])) i++;
    this.buckets[i]++;
    this.sum += v;
    this.count++;
  }
}

export type NodeKind = "source" | "sink" | "webhook";
export type ResponseClass = "2xx" | "4xx" | "5xx" | "error";
export const RESPONSE_CLASSES: readonly ResponseClass[] = ["2xx", "4xx", "5xx", "error"];
export type WebhookClass = "2xx" | "4xx" | "5xx";
export const WEBHOOK_CLASSES: readonly WebhookClass[] = ["2xx", "4xx", "5xx"];

/** A node as the metrics name it: its id, name and type. */
export interface NodeLabels {
  id: string;
  name: string;
  type: string;
}

/** Prometheus label values of one node's series */
export interface SeriesLabels {
  node_id: string;
  node_name: string;
  node_type: string;
  source?: string;
  target?: string;
  [k: string]: string | undefined;
}

abstract class BookBase {
  readonly rates = new RateRing();
  lastError: string | null = null;
  lastErrorAt: number | null = null;
  constructor(
    readonly node: NodeLabels,
    readonly series: Readonly<Record<string, string>>,
  ) {}
  abstract get kind(): NodeKind;
  /** the running total the rates and the sparkline follow */
  abstract total(): number;
  setError(reason: string, nowMs: number): void {
    this.lastError = reason;
    this.lastErrorAt = nowMs;
  }
}

/** a reading source (vcenter-in, horizon-in) or the event side of cloudevent-in */
export class SourceBook extends BookBase {
  events = 0;
  replayed = 0;
  filtered = 0;
  acknowledged = 0;
  inFlight = 0;
  /** event time of the last event sent, epoch ms (NaN: none yet) */
  lastEventMs = NaN;
  /** event time of the last event committed (the checkpoint's position), epoch ms */
  checkpointMs = NaN;
  connected = 0;
  reconnects = 0;
  state = "connecting";
  /** whether the connected gauge and reconnect counter apply (not for a webhook) */
  readonly connection: boolean;
  private wasConnected = false;

  constructor(node: NodeLabels, source: string, connection: boolean) {
    super(node, { node_id: node.id, node_name: node.name, node_type: node.type, source });
    this.connection = connection;
  }
  get kind(): NodeKind {
    return "source";
  }
  total(): number {
    return this.events + this.replayed;
  }
  /** a status change: connected gauge, reconnects (a fall from connected), last error */
  status(state: string, reason: string | undefined, nowMs: number): void {
    this.state = state;
    if (state === "connected") {
      this.connected = 1;
      this.wasConnected = true;
      return;
    }
    this.connected = 0;
    if (state === "reconnecting" || state === "error") {
      if (this.wasConnected) this.reconnects++;
      this.wasConnected = false;
      if (reason !== undefined) this.setError(reason, nowMs);
    }
  }
}

export class SinkBook extends BookBase {
  delivered = 0;
  deadLetters = 0;
  readonly attempts: Record<ResponseClass, number> = { "2xx": 0, "4xx": 0, "5xx": 0, error: 0 };
  readonly retries: Record<ResponseClass, number> = { "2xx": 0, "4xx": 0, "5xx": 0, error: 0 };
  inFlight = 0;
  readonly durations = { delivered: new DurationCounts(), dead_letter: new DurationCounts() };
  /** "failing" after a dead letter, "ok" again after the next delivery */
  state: "ok" | "failing" = "ok";

  constructor(node: NodeLabels, target: string) {
    super(node, { node_id: node.id, node_name: node.name, node_type: node.type, target });
  }
  get kind(): NodeKind {
    return "sink";
  }
  total(): number {
    return this.delivered + this.deadLetters;
  }
}

/** cloudevent-in: its answers; the events it hands on count in `events` (a SourceBook) */
export class WebhookBook extends BookBase {
  readonly requests: Record<WebhookClass, number> = { "2xx": 0, "4xx": 0, "5xx": 0 };
  constructor(
    node: NodeLabels,
    source: string,
    readonly events: SourceBook,
  ) {
    super(node, { node_id: node.id, node_name: node.name, node_type: node.type, source });
  }
  get kind(): NodeKind {
    return "webhook";
  }
  total(): number {
    return this.events.total();
  }
}

export type Book = SourceBook | SinkBook | WebhookBook;

/** an HTTP status as its answer class (1xx and 3xx count with 2xx: answered, not failed) */
export function webhookClass(status: number): WebhookClass {
  if (status >= 500) return "5xx";
  if (status >= 400) return "4xx";
  return "2xx";
}
