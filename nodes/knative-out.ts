/**
 * `knative-out`: delivers each message's CloudEvent over HTTP (binary or structured) to a
 * Knative Broker, Channel, Service or any CloudEvents URL. The sink is lib/sinks/knative/;
 * nodes/sink-node.ts runs it as a node.
 */
import type { NodeAPI } from "node-red";
import { type KnativeConfig, type KnativeCredentials, KnativeSink, knativeStatusView, oneTarget, parseKnativeSettings } from "../lib/sinks";
import { registerSinkNode } from "./sink-node";

export = function (RED: NodeAPI): void {
  registerSinkNode<KnativeConfig, KnativeCredentials>(RED, {
    type: "knative-out",
    credentials: { username: { type: "text" }, password: { type: "password" }, token: { type: "password" } },
    target: (config) => String(config.url ?? ""),
    open: (node, config, control) => {
      const sink = new KnativeSink(parseKnativeSettings(config, node.credentials, `/node-red/knative-out/${node.id}`), {
        onAttemptFailed: (f) => {
          control.attemptFailed(f.statusCode, f.nextDelayMs !== undefined);
          control.refresh();
        },
      });
      return {
        deliver: (msg, onResult) => oneTarget(sink.deliver(msg.payload), onResult),
        status: () => knativeStatusView(sink.counters),
        close: () => sink.close(),
      };
    },
  });
};
