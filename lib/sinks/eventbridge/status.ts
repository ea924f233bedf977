/**
 * What `eventbridge-out` shows under the node: sent / filtered / failed counts and the rule's
 * state, as the parts of one status view (lib/common/status-view.ts).
 */
import type { RuleRef } from "../../eventbridge/arn";
import type { RuleState } from "../../eventbridge/rule";
import type { SinkCounters } from "../counters";
import { shortReason, type StatusFill, type StatusPart, type StatusShape, type StatusView } from "../../common/status-view";

/** Reasons may be longer here than in the other sinks' single-part views. */
const MAX_REASON = 100;

/** A rule error is the one thing the user must read: it may be longer. */
const MAX_RULE_ERROR = 200;

function view(fill: StatusFill, shape: StatusShape, parts: [StatusPart, ...StatusPart[]]): StatusView {
  const [first, ...more] = parts;
  return { fill, shape, key: first.key, params: first.params, more };
}

export function eventBridgeStatusView(counts: SinkCounters, rule: RuleRef | undefined, state: RuleState | undefined): StatusView {
  const countsPart: StatusPart = { key: "status.counts", params: { sent: counts.delivered, filtered: counts.filtered, failed: counts.failed } };
  const anything = counts.delivered + counts.filtered + counts.failed > 0;
  let fill: StatusFill = anything ? "green" : "grey";
  let shape: StatusShape = anything ? "dot" : "ring";
  let rulePart: StatusPart;
  const name = rule?.name ?? "";
  if (rule === undefined || state === undefined) {
    rulePart = { key: "status.rule-none", params: {} };
  } else {
    switch (state.state) {
      case "loading":
        rulePart = state.reason !== undefined
          ? { key: "status.rule-retrying", params: { rule: name, reason: shortReason(state.reason, MAX_REASON) } }
          : { key: "status.rule-loading", params: { rule: name } };
        fill = "yellow";
        shape = "ring";
        break;
      case "ready":
        rulePart = state.rule.state === "DISABLED"
          ? { key: "status.rule-disabled", params: { rule: name } }
          : { key: "status.rule-ready", params: { rule: name } };
        break;
      case "stale":
        rulePart = { key: "status.rule-stale", params: { rule: name, reason: shortReason(state.brief, MAX_REASON) } };
        fill = "yellow";
        shape = "dot";
        break;
      case "unfilterable":
        rulePart = { key: "status.rule-unfilterable", params: { rule: name } };
        fill = "yellow";
        shape = "dot";
        break;
      case "error":
        // the rule is the problem: say so first
        return view("red", "ring", [{ key: "status.rule-error", params: { reason: shortReason(state.reason, MAX_RULE_ERROR) } }, countsPart]);
      case "closed":
        return view("grey", "ring", [countsPart]);
    }
  }
  const parts: [StatusPart, ...StatusPart[]] = [countsPart, rulePart];
  if (counts.retrying !== undefined) {
    parts.push({ key: "status.retrying", params: { reason: shortReason(counts.retrying.reason, MAX_REASON), attempt: counts.retrying.attempt } });
    return view("yellow", "ring", parts);
  }
  if (counts.lastFailed && counts.lastError !== undefined) {
    parts.push({ key: "status.last-failure", params: { reason: shortReason(counts.lastError, MAX_REASON) } });
    return view("red", "ring", parts);
  }
  return view(fill, shape, parts);
}
