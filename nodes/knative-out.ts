/**
 * `knative-out`: delivers each message's CloudEvent over HTTP (binary or structured) to a
 * Knative Broker, Channel, Service or any CloudEvents URL. The engine is lib/sinks/knative.ts;
 * this file maps settings, messages, the two outputs, status and close onto it.
 *
 * done() is called once per message, only when the event was delivered (output 1) or
 * dead-lettered (output 2, or done(err) when output 2 is unwired); never for deliveries ended
 * by close: the runtime drops those and the source replays them (DESIGN.md §6).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import type { DeliveryResult, FailedResult } from "../lib/delivery/queue";
import {
  countersView,
  deadLetter,
  deliveredFields,
  type KnativeCredentials,
  KnativeSink,
  parseKnativeSettings,
  SinkCounters,
  Throttle,
} from "../lib/sinks";
import { guardedClose } from "./close";
import { message } from "./node-errors";
import { completeWhen, once, outputWired, type DoneFn } from "./sink-node";

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

type SendFn = (msg: NodeMessage | (NodeMessage | null)[]) => void;

const STATUS_INTERVAL_MS = 500;

export = function (RED: NodeAPI): void {
  function KnativeOut(this: Node<KnativeCredentials>, config: KnativeOutDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const deadLetterWired = outputWired(config.wires, 1);
    const counters = new SinkCounters();
    let sink: KnativeSink | undefined;
    let configError: string | undefined;

    const show = (): void => {
      if (configError !== undefined) {
        node.status({ fill: "red", shape: "ring", text: RED._("knative-out.errors.config", { reason: configError }) });
        return;
      }
      const v = countersView(counters);
      node.status({ fill: v.fill, shape: v.shape, text: RED._(`knative-out.${v.key}`, v.params) });
    };
    const throttle = new Throttle(STATUS_INTERVAL_MS, show);

    try {
      const settings = parseKnativeSettings(config, node.credentials, `/node-red/knative-out/${node.id}`);
      sink = new KnativeSink(settings, {
        onAttemptFailed: (f) => {
          counters.attemptFailed(f);
          throttle.request();
        },
      });
    } catch (err) {
      configError = message(err);
      node.error(RED._("knative-out.errors.config", { reason: configError }), {});
    }
    show();

    const complete = (msg: NodeMessage, result: DeliveryResult, send: SendFn, done: DoneFn): void => {
      if (result.outcome === "closed") return; // closing: neither delivered nor dead-lettered
      counters.record(result);
      throttle.request();
      const m = msg as NodeMessage & Record<string, unknown>;
      if (result.ok) {
        Object.assign(m, deliveredFields(result));
        send([m, null]);
        done();
        return;
      }
      const dl = deadLetter(result);
      m.error = dl;
      if (deadLetterWired) {
        send([null, m]);
        done();
      } else {
        done(new Error(RED._("knative-out.errors.not-delivered", { reason: dl.message })));
      }
    };

    node.on("input", (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      const finish = once(done);
      const delivery = sink !== undefined ? sink.deliver(msg.payload) : Promise.resolve(configFailure(configError ?? ""));
      completeWhen(delivery, (result) => complete(msg, result, send, finish), finish);
    });

    guardedClose(node, 1900, async () => {
      throttle.close();
      await sink?.close();
      node.status({});
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

/** A failure for every message while the node's settings are invalid. */
function configFailure(reason: string): FailedResult {
  return { ok: false, outcome: "dead-letter", reason: `not configured: ${reason}`, code: "ECONFIG", attempts: 0, retryable: false, durationMs: 0 };
}

