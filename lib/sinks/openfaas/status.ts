/** What `openfaas-out` shows: discovery problems first, then retries and counts. */
import type { DiscoveryState } from "../../openfaas/discovery";
import { countersView, type SinkCounters } from "../counters";
import { shortReason, type StatusView } from "../../common/status-view";

export function openFaasStatusView(state: DiscoveryState, counters: SinkCounters): StatusView {
  if (state.state === "pending") return { fill: "yellow", shape: "ring", key: "status.discovering", params: {} };
  if (state.state === "failed") return { fill: "red", shape: "ring", key: "status.no-functions", params: { reason: shortReason(state.reason) } };
  if (state.state === "stale") {
    return { fill: "yellow", shape: "ring", key: "status.stale", params: { reason: shortReason(state.reason), functions: state.subscribers } };
  }
  const v = countersView(counters);
  if (v.key === "status.ready") v.fill = "green";
  v.params.functions = state.subscribers;
  v.params.unmatched = counters.filtered;
  if (counters.retrying?.target !== undefined) {
    v.key = "status.retrying-function";
    v.params.function = counters.retrying.target;
  }
  return v;
}
