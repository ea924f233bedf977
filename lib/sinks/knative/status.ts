/** What `knative-out` shows: its counts (lib/sinks/counters.ts). */
import { countersView, type SinkCounters } from "../counters";
import type { StatusView } from "../../common/status-view";

export function knativeStatusView(counters: SinkCounters): StatusView {
  return countersView(counters);
}
