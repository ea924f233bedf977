/**
 * `knative-out`: delivers each message's CloudEvent over HTTP (binary or structured) to a
 * Knative Broker, Channel, Service or any CloudEvents URL. The sink is lib/sinks/knative/;
 * nodes/sink-node.ts runs it as a node.
 */
import type { Node, NodeAPI, NodeDef } from "node-red";
import { type KnativeCredentials, KnativeSink, knativeStatusView, oneTarget, parseKnativeSettings } from "../lib/sinks";
import { runSinkNode } from "./sink-node";

interface KnativeOutDef extends NodeDef {
  url: string;
  encoding: string;
  insecureSSL: boolean;
  authType: string;
  timeout: number | string;
  retries: number | string;
  backoffDelay: number | string;
  concurrency: number | string;
  ceType: string;
  ceSource: string;
  wires?: unknown;
}

export = function (RED: NodeAPI): void {
  function KnativeOut(this: Node<KnativeCredentials>, config: KnativeOutDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    runSinkNode(RED, node, config.wires, {
      type: "knative-out",
      open: (control) => {
        const sink = new KnativeSink(parseKnativeSettings(config, node.credentials, `/node-red/knative-out/${node.id}`), {
          onAttemptFailed: () => control.refresh(),
        });
        return {
          deliver: (msg, onResult) => oneTarget(sink.deliver(msg.payload), onResult),
          status: () => knativeStatusView(sink.counters),
          close: () => sink.close(),
        };
      },
    });
  }

  RED.nodes.registerType<Node<KnativeCredentials>, KnativeOutDef, object, KnativeCredentials>("knative-out", KnativeOut, {
    credentials: {
      username: { type: "text" },
      password: { type: "password" },
      token: { type: "password" },
    },
  });
};
