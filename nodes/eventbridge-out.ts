/**
 * `eventbridge-out`: puts each message's CloudEvent on an AWS EventBridge bus, batched, after
 * matching it locally against the bus rule's event pattern. The engine is lib/eventbridge;
 * this file maps settings, messages, the two outputs, status and close onto it.
 *
 * done() is called once per message, only when the event was sent (output 1), dead-lettered
 * (output 2, or done(err) when output 2 is unwired) or filtered out by the rule (no output);
 * never for events abandoned by close: the runtime drops those and the source replays them
 * (DESIGN.md §6, docs/decisions/0004).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import type { FailedResult } from "../lib/eventbridge/batcher";
import type { RuleState } from "../lib/eventbridge/rule";
import { parseEventBridgeSettings, type EventBridgeCredentials } from "../lib/eventbridge/settings";
import { EventBridgeSink, type SinkResult } from "../lib/eventbridge/sink";
import { statusView } from "../lib/eventbridge/status";
import type { DeadLetter } from "../lib/sinks/result";
import { Throttle } from "../lib/sinks/status";
import { guardedClose } from "./close";
import { message } from "./node-errors";
import { completeWhen, once, outputWired, type DoneFn } from "./sink-node";

interface EventBridgeOutDef extends NodeDef {
  region: string;
  eventBus: string;
  ruleArn: string;
  endpoint: string;
  batchLimit: number | string;
  flushInterval: number | string;
  ruleRefresh: number | string;
  ceType: string;
  ceSource: string;
  wires?: unknown;
}

type SendFn = (msg: NodeMessage | (NodeMessage | null)[]) => void;

const STATUS_INTERVAL_MS = 500;

export = function (RED: NodeAPI): void {
  function EventBridgeOut(this: Node<EventBridgeCredentials>, config: EventBridgeOutDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const deadLetterWired = outputWired(config.wires, 1);
    let sink: EventBridgeSink | undefined;
    let configError: string | undefined;

    const show = (): void => {
      if (configError !== undefined) {
        node.status({ fill: "red", shape: "ring", text: RED._("eventbridge-out.errors.config", { reason: configError }) });
        return;
      }
      if (sink === undefined) return;
      const v = statusView(sink.counts, sink.settings.rule, sink.ruleState);
      const text = v.parts.map((p) => RED._(`eventbridge-out.${p.key}`, p.params)).join(" · ");
      node.status({ fill: v.fill, shape: v.shape, text });
    };
    const throttle = new Throttle(STATUS_INTERVAL_MS, show);

    const onRuleChange = (state: RuleState, previous: RuleState): void => {
      const rule = sink?.settings.rule?.name ?? "";
      if (state.state === "error" && (previous.state !== "error" || previous.reason !== state.reason)) {
        node.error(RED._("eventbridge-out.errors.rule", { reason: state.reason }), {});
      } else if (state.state === "stale" && (previous.state !== "stale" || previous.reason !== state.reason)) {
        node.warn(RED._("eventbridge-out.warnings.rule-stale", { rule, reason: state.reason }));
      } else if (state.state === "unfilterable" && previous.state !== "unfilterable") {
        node.warn(RED._("eventbridge-out.warnings.rule-unfilterable", { reason: state.reason }));
      } else if (state.state === "ready" && (previous.state === "stale" || previous.state === "error")) {
        node.log(RED._("eventbridge-out.log.rule-recovered", { rule }));
      }
      if (state.state !== "closed") throttle.now();
    };

    try {
      const settings = parseEventBridgeSettings(config, node.credentials, `/node-red/eventbridge-out/${node.id}`);
      sink = new EventBridgeSink(settings, {
        refreshIntervalMs: settings.ruleRefreshMs,
        onRetry: () => throttle.request(),
        onRuleChange,
      });
    } catch (err) {
      configError = message(err);
      node.error(RED._("eventbridge-out.errors.config", { reason: configError }), {});
    }
    show();
    sink?.start();

    const complete = (msg: NodeMessage, result: SinkResult, send: SendFn, done: DoneFn): void => {
      if (result.outcome === "closed") return; // closing: neither sent nor dead-lettered
      throttle.request();
      if (result.outcome === "filtered") {
        done();
        return;
      }
      const m = msg as NodeMessage & Record<string, unknown>;
      if (result.outcome === "sent") {
        m.eventId = result.eventId;
        m.statusCode = 200;
        m.response = { statusCode: 200, eventId: result.eventId, attempts: result.attempts, durationMs: Math.round(result.durationMs) };
        send([m, null]);
        done();
        return;
      }
      m.error = deadLetter(result);
      if (deadLetterWired) {
        send([null, m]);
        done();
      } else {
        done(new Error(RED._("eventbridge-out.errors.not-sent", { code: result.code, reason: result.message })));
      }
    };

    node.on("input", (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      const finish = once(done);
      const work: Promise<SinkResult> =
        sink !== undefined
          ? sink.submit(msg.payload, msg.topic)
          : Promise.resolve(configFailure(configError ?? ""));
      completeWhen(work, (result) => complete(msg, result, send, finish), finish);
    });

    guardedClose(node, 1900, async () => {
      throttle.close();
      await sink?.close();
      node.status({});
    });
  }

  RED.nodes.registerType<Node<EventBridgeCredentials>, EventBridgeOutDef, object, EventBridgeCredentials>("eventbridge-out", EventBridgeOut, {
    credentials: {
      accessKeyId: { type: "text" },
      secretAccessKey: { type: "password" },
    },
  });
};

/** `msg.error` of a dead letter: the shared sink shape (DESIGN.md §3) with the AWS error code. */
function deadLetter(r: FailedResult): DeadLetter {
  return {
    message: r.message,
    code: r.code,
    status: r.status,
    reason: `${r.code}: ${r.message}`,
    body: "",
    attempts: r.attempts,
    retryable: r.retryable,
  };
}

/** A failure for every message while the node's settings are invalid. */
function configFailure(reason: string): FailedResult {
  return { outcome: "dead-letter", code: "ECONFIG", message: `not configured: ${reason}`, status: 0, attempts: 0, retryable: false, durationMs: 0 };
}

