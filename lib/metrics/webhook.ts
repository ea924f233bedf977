/**
 * cloudevent-in's metrics: requests by answer class, and the events it hands to the flow (they
 * count as a source's, `vmware_events_source_events_total` with node_type cloudevent-in).
 */
import { type NodeLabels, SourceBook, WebhookBook, webhookClass } from "./book";
import { defaultHub, type MetricsHub } from "./hub";

export interface WebhookMetrics {
  /** a request was answered with this HTTP status */
  request(status: number): void;
  /** an event was handed to the flow; `eventTimeMs` its CloudEvent time (NaN when it has none) */
  sent(eventTimeMs: number): void;
  /** the flow finished with an event (delivery: acknowledged) or it was handed on */
  committed(eventTimeMs: number): void;
  inFlight(n: number): void;
  /** the last failure (never a secret) */
  error(reason: string): void;
  release(): void;
}

export function webhookMetrics(labels: NodeLabels & { source: string }, hub: MetricsHub = defaultHub()): WebhookMetrics {
  const events = new SourceBook(labels, labels.source, false);
  events.state = "listening";
  const book = new WebhookBook(labels, labels.source, events);
  hub.add(book);
  return {
    request(status) {
      book.requests[webhookClass(status)]++;
    },
    sent(eventTimeMs) {
      events.events++;
      if (!Number.isNaN(eventTimeMs)) events.lastEventMs = eventTimeMs;
    },
    committed(eventTimeMs) {
      events.acknowledged++;
      if (!Number.isNaN(eventTimeMs)) events.checkpointMs = eventTimeMs;
    },
    inFlight(n) {
      events.inFlight = n;
    },
    error(reason) {
      book.setError(reason, hub.now());
    },
    release() {
      hub.remove(book);
    },
  };
}

export const NO_WEBHOOK_METRICS: WebhookMetrics = {
  request: () => undefined,
  sent: () => undefined,
  committed: () => undefined,
  inFlight: () => undefined,
  error: () => undefined,
  release: () => undefined,
};
