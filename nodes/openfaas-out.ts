/**
 * `openfaas-out`: invokes every OpenFaaS function whose `topic` annotation lists the message's
 * topic, with the structured CloudEvent, synchronously or asynchronously. The sink is
 * lib/sinks/openfaas/ (discovery, topic map, gateway in lib/openfaas); nodes/sink-node.ts runs
 * it as a node.
 *
 * One result message per invoked function (a copy of the input with `msg.function`), on
 * output 1 (delivered) or 2 (dead letter); done() once per input message when every invocation
 * has ended.
 */
import type { NodeAPI } from "node-red";
import type { DiscoveryState } from "../lib/openfaas/discovery";
import { topicOf } from "../lib/openfaas/topics";
import { type OpenFaasConfig, type OpenFaasCredentials, OpenFaasSink, openFaasStatusView, parseOpenFaasSettings } from "../lib/sinks";
import { registerSinkNode } from "./sink-node";

export = function (RED: NodeAPI): void {
  registerSinkNode<OpenFaasConfig, OpenFaasCredentials>(RED, {
    type: "openfaas-out",
    copyPerTarget: true,
    credentials: { username: { type: "text" }, password: { type: "password" } },
    target: (config) => String(config.gateway ?? ""),
    open: (node, config, control) => {
      const settings = parseOpenFaasSettings(config, node.credentials, `/node-red/openfaas-out/${node.id}`);
      let discovery: DiscoveryState = { state: "pending" };
      const sink = new OpenFaasSink(settings, {
        onDiscoveryState: (s) => {
          const was = discovery.state;
          discovery = s;
          if (s.state === "failed" && was !== "failed") {
            node.error(RED._("openfaas-out.errors.discovery", { gateway: settings.gateway, reason: s.reason }), {});
          } else if (s.state === "stale" && was !== "stale") {
            node.warn(RED._("openfaas-out.warnings.stale", { reason: s.reason }));
          }
          control.refreshNow();
        },
        onRefresh: (r) => {
          if (!r.ok || r.diff === undefined) return;
          for (const fn of r.diff.added) {
            if (fn.topics.length > 0) node.log(RED._("openfaas-out.log.added", { function: fn.qualifiedName, topics: fn.topics.join(", ") }));
          }
          for (const fn of r.diff.changed) node.log(RED._("openfaas-out.log.changed", { function: fn.qualifiedName, topics: fn.topics.join(", ") }));
          for (const fn of r.diff.removed) {
            if (fn.topics.length > 0) node.log(RED._("openfaas-out.log.removed", { function: fn.qualifiedName }));
          }
        },
        onAttemptFailed: (f) => {
          control.attemptFailed(f.statusCode, f.nextDelayMs !== undefined);
          control.refresh();
        },
      });
      return {
        deliver: (msg, onResult) => sink.deliver(topicOf(msg.topic, msg.payload), msg.payload, onResult),
        status: () => openFaasStatusView(discovery, sink.counters),
        start: () => sink.start(),
        close: () => sink.close(),
      };
    },
  });
};
