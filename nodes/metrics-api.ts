/**
 * Metrics on Node-RED's admin API (issue 12), registered once per runtime, by the editor plugin
 * (plugins/monitor.ts) and by every node type that counts (a runtime without the plugin, e.g. the
 * test helper, still serves them):
 *   GET <httpAdminRoot>/vmware-events/metrics   Prometheus text format (lib/metrics/registry.ts)
 *   GET <httpAdminRoot>/vmware-events/stats     JSON stats model (lib/metrics/stats.ts)
 * both with permission `vmware-events.read`. And the per-node metrics the nodes attach, unless
 * settings.js turns them off with `vmwareEvents: { metrics: false }`.
 */
import type { Node, NodeAPI } from "node-red";
import { defaultHub } from "../lib/metrics/hub";
import { type SinkMetrics, NO_SINK_METRICS, sinkMetrics } from "../lib/metrics/sink";
import { type SourceMetrics, sourceMetrics } from "../lib/metrics/source";
import { type WebhookMetrics, NO_WEBHOOK_METRICS, webhookMetrics } from "../lib/metrics/webhook";
import type { NodeLabels } from "../lib/metrics/book";

const registered = new WeakSet<object>();

interface Res {
  set(name: string, value: string): Res;
  status(code: number): Res;
  send(body: string): void;
  json(v: unknown): void;
}

/** The part of the runtime API the endpoints use (a plugin's RED has it too). */
export interface AdminApiHost {
  httpAdmin: unknown;
  auth: { needsPermission(permission: string): unknown };
  settings: unknown;
}

interface Router {
  get(path: string, ...handlers: unknown[]): void;
}

/** settings.js `vmwareEvents: { metrics: false }` turns metrics off; on by default */
export function metricsEnabled(settings: unknown): boolean {
  try {
    const v = (settings as { vmwareEvents?: { metrics?: unknown } } | undefined)?.vmwareEvents;
    return v?.metrics !== false;
  } catch {
    return true;
  }
}

export function registerMetricsApi(RED: AdminApiHost): void {
  const admin = RED.httpAdmin as Router | undefined | null;
  if (admin === undefined || admin === null || typeof admin.get !== "function" || registered.has(admin)) return;
  registered.add(admin);
  const needs = RED.auth.needsPermission("vmware-events.read");
  const hub = defaultHub();
  admin.get("/vmware-events/metrics", needs, (_req: unknown, res: Res) => {
    hub.metrics().then(
      (text) => res.set("Content-Type", hub.contentType).send(text),
      (err: unknown) => res.status(500).set("Content-Type", "text/plain").send(`metrics failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  });
  admin.get("/vmware-events/stats", needs, (_req: unknown, res: Res) => {
    try {
      res.json({ metrics: metricsEnabled(RED.settings), ...hub.stats() });
    } catch (err) {
      res.status(500).json({ error: err instanceof Error ? err.message : String(err) });
    }
  });
}

function labelsOf(node: Node): NodeLabels {
  const name = (node as Node & { name?: unknown }).name;
  return { id: node.id, name: typeof name === "string" ? name : "", type: node.type };
}

/** A source node's observer for the runner, or undefined when metrics are off. The caller releases it on close. */
export function nodeSourceMetrics(RED: NodeAPI, node: Node, source: string): SourceMetrics | undefined {
  registerMetricsApi(RED);
  if (!metricsEnabled(RED.settings)) return undefined;
  return sourceMetrics({ ...labelsOf(node), source });
}

/** A sink node's metrics (released when the node closes); no-ops when metrics are off. */
export function nodeSinkMetrics(RED: NodeAPI, node: Node, target: string): SinkMetrics {
  registerMetricsApi(RED);
  if (!metricsEnabled(RED.settings)) return NO_SINK_METRICS;
  const m = sinkMetrics({ ...labelsOf(node), target });
  node.on("close", () => m.release());
  return m;
}

/** cloudevent-in's metrics (released when the node closes); no-ops when metrics are off. */
export function nodeWebhookMetrics(RED: NodeAPI, node: Node, path: string): WebhookMetrics {
  registerMetricsApi(RED);
  if (!metricsEnabled(RED.settings)) return NO_WEBHOOK_METRICS;
  const m = webhookMetrics({ ...labelsOf(node), source: path });
  node.on("close", () => m.release());
  return m;
}
