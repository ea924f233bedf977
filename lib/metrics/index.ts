/** Prometheus metrics and the stats model of the package's nodes (issue 12). */
export { type NodeLabels, type ResponseClass } from "./book";
export { MetricsHub, defaultHub } from "./hub";
export { sourceMetrics, type SourceMetrics } from "./source";
export { sinkMetrics, responseClass, NO_SINK_METRICS, type SinkMetrics } from "./sink";
export { webhookMetrics, NO_WEBHOOK_METRICS, type WebhookMetrics } from "./webhook";
export { type Stats, type NodeStats } from "./stats";
