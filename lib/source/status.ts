/**
 * What every source shows: one status model for vcenter-in and horizon-in (and the states the
 * source runner adds), and the view a node turns into `node.status()`.
 */

export type SourceStatus =
  | { state: "connecting" }
  | { state: "connected"; count: number }
  | { state: "reconnecting"; reason: string }
  | { state: "error"; reason: string }
  /** another instance holds the stream's lease (high availability); this one waits */
  | { state: "standby"; holder: string };

/** Where a reader writes its log lines (Node-RED's node log, or a test's array). */
export interface SourceLog {
  info(msg: string): void;
  warn(msg: string): void;
}

import type { StatusView } from "../common/status-view";

export type { StatusView } from "../common/status-view";

export function sourceStatusView(s: SourceStatus): StatusView {
  switch (s.state) {
    case "connected":
      return { fill: "green", shape: "dot", key: "status.connected", params: { count: s.count } };
    case "reconnecting":
      return { fill: "yellow", shape: "ring", key: "status.reconnecting", params: { reason: s.reason } };
    case "error":
      return { fill: "red", shape: "ring", key: "status.error", params: { reason: s.reason } };
    case "standby":
      return { fill: "yellow", shape: "ring", key: s.holder === "" ? "status.standby-waiting" : "status.standby", params: { holder: s.holder } };
    default:
      return { fill: "yellow", shape: "ring", key: "status.connecting", params: {} };
  }
}
