/**
 * `openfaas-out`: invokes every OpenFaaS function whose `topic` annotation lists the message's
 * topic, with the structured CloudEvent, synchronously or asynchronously. The engine
 * (discovery, topic map, invocation, retries) is lib/sinks/openfaas.ts and lib/openfaas; this
 * file maps settings, messages, outputs, status and close onto it.
 *
 * One result message per invoked function (a copy of the input with `msg.function`), on
 * output 1 (delivered) or 2 (dead letter). done() is called once per input message when every
 * invocation has ended (delivered or dead-lettered; done(err) when one failed and output 2 is
 * unwired), never when close() ended one of them.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { topicOf } from "../lib/openfaas/topics";
import type { DiscoveryState } from "../lib/openfaas/discovery";
import {
  type DeadLetter,
  deadLetter,
  deliveredFields,
  type InvocationResult,
  type OpenFaasCredentials,
  OpenFaasSink,
  openFaasStatusView,
  parseOpenFaasSettings,
  SinkCounters,
  Throttle,
} from "../lib/sinks";
import { guardedClose } from "./close";
import { message } from "./node-errors";
import { completeWhen, once, outputWired, type DoneFn } from "./sink-node";

interface OpenFaasOutDef extends NodeDef {
  gateway: string;
  async: boolean;
  callbackUrl: string;
  insecureSSL: boolean;
  timeout: number | string;
  retries: number | string;
  backoffDelay: number | string;
  concurrency: number | string;
  refreshInterval: number | string;
  ceType: string;
  ceSource: string;
  wires?: unknown;
}

type SendFn = (msg: NodeMessage | (NodeMessage | null)[]) => void;
type Msg = NodeMessage & Record<string, unknown>;

const STATUS_INTERVAL_MS = 500;

export = function (RED: NodeAPI): void {
  function OpenFaasOut(this: Node<OpenFaasCredentials>, config: OpenFaasOutDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const deadLetterWired = outputWired(config.wires, 1);
    const counters = new SinkCounters();
    let sink: OpenFaasSink | undefined;
    let configError: string | undefined;
    let discovery: DiscoveryState = { state: "pending" };

    const show = (): void => {
      if (configError !== undefined) {
        node.status({ fill: "red", shape: "ring", text: RED._("openfaas-out.errors.config", { reason: configError }) });
        return;
      }
      const v = openFaasStatusView(discovery, counters);
      node.status({ fill: v.fill, shape: v.shape, text: RED._(`openfaas-out.${v.key}`, v.params) });
    };
    const throttle = new Throttle(STATUS_INTERVAL_MS, show);

    try {
      const settings = parseOpenFaasSettings(config, node.credentials, `/node-red/openfaas-out/${node.id}`);
      sink = new OpenFaasSink(settings, {
        onDiscoveryState: (s) => {
          const was = discovery.state;
          discovery = s;
          if (s.state === "failed" && was !== "failed") {
            node.error(RED._("openfaas-out.errors.discovery", { gateway: settings.gateway, reason: s.reason }), {});
          } else if (s.state === "stale" && was !== "stale") {
            node.warn(RED._("openfaas-out.warnings.stale", { reason: s.reason }));
          }
          throttle.now();
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
        onAttemptFailed: (f, fn) => {
          counters.attemptFailed(f, fn.qualifiedName);
          throttle.request();
        },
      });
      sink.start();
    } catch (err) {
      configError = message(err);
      node.error(RED._("openfaas-out.errors.config", { reason: configError }), {});
    }
    show();

    /** one invocation ended: its result message (a copy of the input) */
    const resultMessage = (msg: Msg, r: InvocationResult, send: SendFn, failures: DeadLetter[]): void => {
      counters.record(r.result);
      throttle.request();
      const out = RED.util.cloneMessage<Msg>(msg);
      const fn = r.fn?.qualifiedName;
      if (fn !== undefined) out.function = fn;
      if (r.result.ok) {
        Object.assign(out, deliveredFields(r.result));
        send([out, null]);
        return;
      }
      if (r.result.outcome === "closed") return;
      const dl = deadLetter(r.result, fn);
      if (deadLetterWired) {
        out.error = dl;
        send([null, out]);
      } else {
        failures.push(dl);
      }
    };

    node.on("input", (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      const finish = once(done);
      const m = msg as Msg;
      const failures: DeadLetter[] = [];
      const onResult = (r: InvocationResult): void => {
        try {
          resultMessage(m, r, send, failures);
        } catch (err) {
          node.error(err instanceof Error ? err : String(err), m);
        }
      };
      if (sink === undefined) {
        const r: InvocationResult = {
          fn: undefined,
          result: { ok: false, outcome: "dead-letter", reason: `not configured: ${configError ?? ""}`, code: "ECONFIG", attempts: 0, retryable: false, durationMs: 0 },
        };
        onResult(r);
        completeInput(m, { closed: false, matched: 0, results: [r] }, failures, finish);
        return;
      }
      completeWhen(sink.dispatch(topicOf(m.topic, m.payload), m.payload, onResult), (summary) => completeInput(m, summary, failures, finish), finish);
    });

    /** every invocation for the message has ended */
    const completeInput = (
      m: Msg,
      summary: { closed: boolean; matched: number; results: readonly InvocationResult[] },
      failures: DeadLetter[],
      finish: DoneFn,
    ): void => {
      if (summary.closed) return; // closing: the runtime drops the message, the source replays it
      if (summary.results.length === 0) {
        counters.unmatched++;
        throttle.request();
        finish();
        return;
      }
      if (failures.length === 0) {
        finish();
        return;
      }
      const first = failures[0];
      const text = failures.map((f) => f.message).join("; ");
      m.error = failures.length === 1 ? first : { ...first, message: text, failures };
      finish(new Error(RED._("openfaas-out.errors.not-delivered", { reason: text })));
    };

    guardedClose(node, 1900, async () => {
      throttle.close();
      await sink?.close();
      node.status({});
    });
  }

  RED.nodes.registerType<Node<OpenFaasCredentials>, OpenFaasOutDef, object, OpenFaasCredentials>("openfaas-out", OpenFaasOut, {
    credentials: {
      username: { type: "text" },
      password: { type: "password" },
    },
  });
};

