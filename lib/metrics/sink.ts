/**
 * A sink's metrics (knative-out, openfaas-out, eventbridge-out): deliveries by outcome, attempts
 * and retries by response class, the delivery-duration histogram, in flight, the last error.
 */
import { type NodeLabels, type ResponseClass, SinkBook } from "./book";
import { defaultHub, type MetricsHub } from "./hub";

export interface SinkMetrics {
  /** an event was delivered; `durationSeconds` from its first attempt */
  delivered(durationSeconds: number): void;
  /** an event was given up (dead letter) */
  deadLetter(durationSeconds: number): void;
  /** one sending attempt answered with this class ("error": no answer) */
  attempt(responseClass: ResponseClass): void;
  /** an attempt with this class will be repeated */
  retry(responseClass: ResponseClass): void;
  /** events being delivered now */
  inFlight(n: number): void;
  /** the last failure, for the stats and the editor's monitor (never a secret) */
  error(reason: string): void;
  /** the node closed: its series and stats are gone */
  release(): void;
}

/** an HTTP status (or none: the request failed) as its response class */
export function responseClass(status: number | undefined): ResponseClass {
  if (status === undefined || !Number.isFinite(status) || status <= 0) return "error";
  if (status >= 500) return "5xx";
  if (status >= 400) return "4xx";
  return "2xx";
}

export function sinkMetrics(labels: NodeLabels & { target: string }, hub: MetricsHub = defaultHub()): SinkMetrics {
  const book = new SinkBook(labels, labels.target);
  hub.add(book);
  return {
    delivered(durationSeconds) {
      book.delivered++;
      book.state = "ok";
      book.durations.delivered.observe(durationSeconds);
    },
    deadLetter(durationSeconds) {
      book.deadLetters++;
      book.state = "failing";
      book.durations.dead_letter.observe(durationSeconds);
    },
    attempt(c) {
      if (c in book.attempts) book.attempts[c]++;
    },
    retry(c) {
      if (c in book.retries) book.retries[c]++;
    },
    inFlight(n) {
      book.inFlight = n;
    },
    error(reason) {
      book.setError(reason, hub.now());
    },
    release() {
      hub.remove(book);
    },
  };
}

/** metrics turned off (settings.js `vmwareEvents: {metrics: false}`) */
export const NO_SINK_METRICS: SinkMetrics = {
  delivered: () => undefined,
  deadLetter: () => undefined,
  attempt: () => undefined,
  retry: () => undefined,
  inFlight: () => undefined,
  error: () => undefined,
  release: () => undefined,
};
