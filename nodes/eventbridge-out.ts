/**
 * `eventbridge-out`: puts each message's CloudEvent on an AWS EventBridge bus, batched, after
 * matching it locally against the bus rule's event pattern. The sink is lib/sinks/eventbridge/
 * (PutEvents, rule and pattern in lib/eventbridge); nodes/sink-node.ts runs it as a node.
 * Events the rule filters out complete without output.
 */
import type { NodeAPI } from "node-red";
import type { RuleState } from "../lib/eventbridge/rule";
import { type EventBridgeCredentials, type EventBridgeOutConfig, EventBridgeSink, eventBridgeStatusView, oneTarget, parseEventBridgeSettings } from "../lib/sinks";
import { registerSinkNode } from "./sink-node";

export = function (RED: NodeAPI): void {
  registerSinkNode<EventBridgeOutConfig, EventBridgeCredentials>(RED, {
    type: "eventbridge-out",
    credentials: { accessKeyId: { type: "text" }, secretAccessKey: { type: "password" }, sessionToken: { type: "password" } },
    target: (config) => String(config.eventBus ?? "default"),
    open: (node, config, control) => {
      const settings = parseEventBridgeSettings(config, node.credentials, `/node-red/eventbridge-out/${node.id}`);
      const rule = settings.rule?.name ?? "";
      const onRuleChange = (state: RuleState, previous: RuleState): void => {
        if (state.state === "error" && (previous.state !== "error" || previous.reason !== state.reason)) {
          node.error(RED._("eventbridge-out.errors.rule", { reason: state.reason }), {});
        } else if (state.state === "stale" && (previous.state !== "stale" || previous.reason !== state.reason)) {
          node.warn(RED._("eventbridge-out.warnings.rule-stale", { rule, reason: state.reason }));
        } else if (state.state === "unfilterable" && previous.state !== "unfilterable") {
          node.warn(RED._("eventbridge-out.warnings.rule-unfilterable", { reason: state.reason }));
        } else if (state.state === "ready" && (previous.state === "stale" || previous.state === "error")) {
          node.log(RED._("eventbridge-out.log.rule-recovered", { rule }));
        }
        if (state.state !== "closed") control.refreshNow();
      };
      const sink = new EventBridgeSink(settings, { refreshIntervalMs: settings.ruleRefreshMs, onRetry: () => {
        control.attemptFailed(undefined, true);
        control.refresh();
      }, onRuleChange });
      return {
        deliver: (msg, onResult) => oneTarget(sink.deliver(msg.payload, msg.topic), onResult),
        status: () => eventBridgeStatusView(sink.counters, settings.rule, sink.ruleState),
        start: () => sink.start(),
        close: () => sink.close(),
      };
    },
  });
};
