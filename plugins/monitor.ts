/**
 * The editor plugin "vmware-events-monitor" (package.json `node-red.plugins`): its editor part
 * (plugins/monitor.html) adds the sidebar tab "VMware events"; its runtime part serves the
 * endpoints the tab reads (nodes/metrics-api.ts), so they answer before any node is deployed.
 */
import { type AdminApiHost, registerMetricsApi } from "../nodes/metrics-api";

interface PluginApi extends AdminApiHost {
  plugins: { registerPlugin(id: string, definition: Record<string, unknown>): void };
  log?: { warn(msg: string): void };
}

export = function (RED: PluginApi): void {
  try {
    RED.plugins.registerPlugin("vmware-events-monitor", { type: "vmware-events-monitor" });
    registerMetricsApi(RED);
  } catch (err) {
    RED.log?.warn(`vmware-events-monitor: ${err instanceof Error ? err.message : String(err)}`);
  }
};
