/**
 * What `eventbridge-out` shows under the node: sent / filtered / failed counts and the rule's
 * state. Texts are i18n keys below the node type's catalog (`status.counts`, …) with
 * parameters; the node translates each part and joins them with " · ".
 */
import type { RuleRef } from "./arn";
import type { RuleState } from "./rule";
import type { SinkCounts } from "./sink";

export type StatusFill = "red" | "green" | "yellow" | "blue" | "grey";
export type StatusShape = "ring" | "dot";

export interface StatusPart {
  key: string;
  params: Record<string, string | number>;
}

export interface EventBridgeStatusView {
  fill: StatusFill;
  shape: StatusShape;
  parts: StatusPart[];
}

const MAX_REASON = 100;

/** A rule error is the one thing the user must read: it may be longer. */
const MAX_RULE_ERROR = 200;

export function shortReason(reason: string, max: number = MAX_REASON): string {
  return reason.length <= max ? reason : reason.slice(0, max - 1) + "…";
}

export function statusView(counts: SinkCounts, rule: RuleRef | undefined, state: RuleState | undefined): EventBridgeStatusView {
  const countsPart: StatusPart = { key: "status.counts", params: { sent: counts.sent, filtered: counts.filtered, failed: counts.failed } };
  const anything = counts.sent + counts.filtered + counts.failed > 0;
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
          ? { key: "status.rule-retrying", params: { rule: name, reason: shortReason(state.reason) } }
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
        rulePart = { key: "status.rule-stale", params: { rule: name, reason: shortReason(state.brief) } };
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
        return { fill: "red", shape: "ring", parts: [{ key: "status.rule-error", params: { reason: shortReason(state.reason, MAX_RULE_ERROR) } }, countsPart] };
      case "closed":
        return { fill: "grey", shape: "ring", parts: [countsPart] };
    }
  }
  const parts = [countsPart, rulePart];
  if (counts.retrying !== undefined) {
    parts.push({ key: "status.retrying", params: { reason: shortReason(counts.retrying.code), attempt: counts.retrying.attempt } });
    return { fill: "yellow", shape: "ring", parts };
  }
  if (counts.lastFailed && counts.lastError !== undefined) {
    parts.push({ key: "status.last-failure", params: { reason: shortReason(counts.lastError) } });
    return { fill: "red", shape: "ring", parts };
  }
  return { fill, shape, parts };
}
