/**
 * The package's Prometheus series, in a Registry of its own (never prom-client's global one, so
 * other packages' metrics cannot collide). Counters and gauges are published from the per-node
 * books (lib/metrics/book.ts) when scraped: prom-client 15's labelled `inc` hashes and validates
 * the labels on every call (node_modules/prom-client/lib/counter.js; its Histogram.observe costs
 * about 1 µs), so the hot path only adds to plain numbers and a scrape costs one pass over the
 * live nodes. Series of a closed node vanish with its book.
 */
import { Counter, Gauge, Registry } from "prom-client";
import { type Book, DURATION_BUCKETS, RESPONSE_CLASSES, SinkBook, SourceBook, WEBHOOK_CLASSES, WebhookBook } from "./book";

export const PREFIX = "vmware_events_";
const NODE_LABELS = ["node_id", "node_name", "node_type"] as const;
const SOURCE_LABELS = [...NODE_LABELS, "source"];
const SINK_LABELS = [...NODE_LABELS, "target"];

export interface PackageRegistry {
  registry: Registry;
}

type Labels = Record<string, string>;

function sourcesOf(books: Iterable<Book>): SourceBook[] {
  const out: SourceBook[] = [];
  for (const b of books) {
    if (b instanceof SourceBook) out.push(b);
    else if (b instanceof WebhookBook) out.push(b.events);
  }
  return out;
}

function sinksOf(books: Iterable<Book>): SinkBook[] {
  const out: SinkBook[] = [];
  for (const b of books) if (b instanceof SinkBook) out.push(b);
  return out;
}

function webhooksOf(books: Iterable<Book>): WebhookBook[] {
  const out: WebhookBook[] = [];
  for (const b of books) if (b instanceof WebhookBook) out.push(b);
  return out;
}

/** A counter whose values are read from the books at scrape time. */
function counter<B>(registry: Registry, name: string, help: string, labelNames: string[], pick: () => B[], values: (b: B, add: (labels: Labels, v: number) => void) => void): void {
  new Counter({
    name: PREFIX + name,
    help,
    labelNames,
    registers: [registry],
    collect(this: Counter<string>) {
      this.reset();
      const add = (labels: Labels, v: number): void => {
        this.inc(labels, v);
      };
      for (const b of pick()) values(b, add);
    },
  });
}

function gauge<B>(registry: Registry, name: string, help: string, labelNames: string[], pick: () => B[], values: (b: B, set: (labels: Labels, v: number) => void) => void): void {
  new Gauge({
    name: PREFIX + name,
    help,
    labelNames,
    registers: [registry],
    collect(this: Gauge<string>) {
      this.reset();
      const set = (labels: Labels, v: number): void => {
        this.set(labels, v);
      };
      for (const b of pick()) values(b, set);
    },
  });
}

const seconds = (ms: number): number => ms / 1000;

export function createRegistry(books: () => Iterable<Book>): PackageRegistry {
  const registry = new Registry();
  const sources = (): SourceBook[] => sourcesOf(books());
  const sinks = (): SinkBook[] => sinksOf(books());
  const webhooks = (): WebhookBook[] => webhooksOf(books());
  const connected = (): SourceBook[] => sources().filter((b) => b.connection);

  counter(registry, "source_events_total", "Events a source handed to the flow (live stream).", SOURCE_LABELS, sources, (b, add) => add(b.series, b.events));
  counter(registry, "source_replayed_events_total", "Events a source handed to the flow from a replay.", SOURCE_LABELS, sources, (b, add) => add(b.series, b.replayed));
  counter(registry, "source_filtered_events_total", "Events a source read but did not send (content filter).", SOURCE_LABELS, sources, (b, add) => add(b.series, b.filtered));
  counter(registry, "source_acknowledged_events_total", "Events the flow finished (or that were handed on) and the checkpoint moved past.", SOURCE_LABELS, sources, (b, add) => add(b.series, b.acknowledged));
  gauge(registry, "source_in_flight", "Events in the flow not finished yet.", SOURCE_LABELS, sources, (b, set) => set(b.series, b.inFlight));
  gauge(registry, "source_last_event_timestamp_seconds", "Event time of the last event handed to the flow (Unix seconds).", SOURCE_LABELS, sources, (b, set) => {
    if (!Number.isNaN(b.lastEventMs)) set(b.series, seconds(b.lastEventMs));
  });
  gauge(registry, "source_checkpoint_timestamp_seconds", "Event time of the last event the checkpoint moved past (Unix seconds).", SOURCE_LABELS, sources, (b, set) => {
    if (!Number.isNaN(b.checkpointMs)) set(b.series, seconds(b.checkpointMs));
  });
  gauge(registry, "source_connected", "1 while the source is connected, else 0.", SOURCE_LABELS, connected, (b, set) => set(b.series, b.connected));
  counter(registry, "source_reconnects_total", "Times a connected source lost its connection.", SOURCE_LABELS, connected, (b, add) => add(b.series, b.reconnects));

  counter(registry, "sink_deliveries_total", "Events a sink finished: delivered, or given up (dead letter).", [...SINK_LABELS, "outcome"], sinks, (b, add) => {
    add({ ...b.series, outcome: "delivered" }, b.delivered);
    add({ ...b.series, outcome: "dead_letter" }, b.deadLetters);
  });
  counter(registry, "sink_attempts_total", "Sending attempts by response class.", [...SINK_LABELS, "class"], sinks, (b, add) => {
    for (const c of RESPONSE_CLASSES) add({ ...b.series, class: c }, b.attempts[c]);
  });
  counter(registry, "sink_retries_total", "Attempts to be repeated, by the response class that caused the retry.", [...SINK_LABELS, "class"], sinks, (b, add) => {
    for (const c of RESPONSE_CLASSES) add({ ...b.series, class: c }, b.retries[c]);
  });
  gauge(registry, "sink_in_flight", "Events a sink is delivering.", SINK_LABELS, sinks, (b, set) => set(b.series, b.inFlight));
  registry.registerMetric(durationHistogram(sinks) as never);

  counter(registry, "webhook_requests_total", "Webhook requests by answer class.", [...SOURCE_LABELS, "class"], webhooks, (b, add) => {
    for (const c of WEBHOOK_CLASSES) add({ ...b.series, class: c }, b.requests[c]);
  });
  return { registry };
}

interface MetricValue {
  labels: Labels;
  value: number;
  metricName: string;
}

/**
 * The delivery-duration histogram, from the sinks' bucket counts (lib/metrics/book.ts) at
 * scrape time: the shape prom-client's Registry formats (a metric with `get()`, as its own
 * Histogram returns it).
 */
function durationHistogram(sinks: () => SinkBook[]): { name: string; help: string; type: string; aggregator: string; get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValue[] }> } {
  const name = PREFIX + "sink_delivery_duration_seconds";
  const help = "Time from the first attempt to delivery or dead letter.";
  const les = [...DURATION_BUCKETS.map(String), "+Inf"];
  return {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    get() {
      const values: MetricValue[] = [];
      for (const b of sinks()) {
        for (const outcome of ["delivered", "dead_letter"] as const) {
          const d = b.durations[outcome];
          const labels = { ...b.series, outcome };
          let acc = 0;
          for (let i = 0; i < les.length; i++) {
            acc += d.buckets[i];
            values.push({ labels: { ...labels, le: les[i] }, value: acc, metricName: `${name}_bucket` });
          }
          values.push({ labels, value: d.sum, metricName: `${name}_sum` });
          values.push({ labels, value: d.count, metricName: `${name}_count` });
        }
      }
      return Promise.resolve({ name, help, type: "histogram", aggregator: "sum", values });
    },
  };
}
