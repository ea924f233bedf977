/**
 * The stats model the admin endpoint `vmware-events/stats` serves and the editor's monitor shows
 * (in the spirit of the VMware Event Router's /stats): per node its type, name, state, counters,
 * rates, a sparkline history, in flight, lag, deliveries and the last error.
 */
import { type Book, SinkBook, SourceBook, WebhookBook } from "./book";
import { HISTORY_POINT_SECONDS } from "./rates";

export interface NodeStats {
  id: string;
  type: string;
  name: string;
  kind: "source" | "sink" | "webhook";
  /** source: connecting | connected | reconnecting | error; sink: ok | failing; webhook: listening */
  state: string;
  /** the address read from (sources) or delivered to (sinks) */
  endpoint: string;
  counters: Record<string, number>;
  /** events per second (sources: sent; sinks: finished) */
  rates: { "10s": number; "1m": number };
  /** events per second, one point per `historyStepSeconds`, oldest first */
  history: number[];
  inFlight: number;
  /** seconds from the event time of the last event sent to now (sources; null before the first) */
  lagSeconds: number | null;
  /** seconds the checkpoint is behind the last event sent (sources; null before the first commit) */
  checkpointLagSeconds: number | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

export interface Stats {
  uptimeSeconds: number;
  processUptimeSeconds: number;
  historyStepSeconds: number;
  nodes: Record<string, NodeStats>;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function sourceFields(s: SourceBook, nowMs: number): Pick<NodeStats, "lagSeconds" | "checkpointLagSeconds" | "inFlight"> & { counters: Record<string, number> } {
  return {
    counters: {
      events: s.events,
      replayed: s.replayed,
      filtered: s.filtered,
      acknowledged: s.acknowledged,
      ...(s.connection ? { reconnects: s.reconnects } : {}),
    },
    inFlight: s.inFlight,
    lagSeconds: Number.isNaN(s.lastEventMs) ? null : round(Math.max(0, nowMs - s.lastEventMs) / 1000),
    checkpointLagSeconds: Number.isNaN(s.checkpointMs) || Number.isNaN(s.lastEventMs) ? null : round(Math.max(0, s.lastEventMs - s.checkpointMs) / 1000),
  };
}

function nodeStats(b: Book, nowMs: number): NodeStats {
  const base = {
    id: b.node.id,
    type: b.node.type,
    name: b.node.name,
    kind: b.kind,
    rates: { "10s": round(b.rates.rate(10)), "1m": round(b.rates.rate(60)) },
    history: b.rates.history().map(round),
    lastError: b.lastError,
    lastErrorAt: b.lastErrorAt === null ? null : new Date(b.lastErrorAt).toISOString(),
  };
  if (b instanceof SinkBook) {
    return {
      ...base,
      state: b.state,
      endpoint: b.series.target ?? "",
      counters: {
        delivered: b.delivered,
        deadLetters: b.deadLetters,
        attempts: b.attempts["2xx"] + b.attempts["4xx"] + b.attempts["5xx"] + b.attempts.error,
        retries: b.retries["2xx"] + b.retries["4xx"] + b.retries["5xx"] + b.retries.error,
      },
      inFlight: b.inFlight,
      lagSeconds: null,
      checkpointLagSeconds: null,
    };
  }
  if (b instanceof WebhookBook) {
    const f = sourceFields(b.events, nowMs);
    return {
      ...base,
      state: "listening",
      endpoint: b.series.source ?? "",
      ...f,
      counters: { ...f.counters, requests2xx: b.requests["2xx"], requests4xx: b.requests["4xx"], requests5xx: b.requests["5xx"] },
    };
  }
  return { ...base, state: b.state, endpoint: b.series.source ?? "", ...sourceFields(b, nowMs) };
}

export function statsOf(books: Iterable<Book>, nowMs: number, uptimeSeconds: number): Stats {
  const nodes: Record<string, NodeStats> = {};
  for (const b of books) nodes[b.node.id] = nodeStats(b, nowMs);
  return { uptimeSeconds: round(uptimeSeconds), processUptimeSeconds: round(process.uptime()), historyStepSeconds: HISTORY_POINT_SECONDS, nodes };
}
