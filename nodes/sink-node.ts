/**
 * What the three sink nodes share on the Node-RED side: one adapter that maps a sink
 * (lib/sinks/<name>/sink.ts) onto a node — settings errors, input messages, the two outputs,
 * done() exactly once, throttled status, close. The message shaping itself is lib's
 * (lib/sinks/outputs.ts); a sink node file only builds its sink and says how a message is
 * handed to it.
 *
 * done() is called once per message, only when every event was delivered (output 1),
 * dead-lettered (output 2, or done(err) when output 2 is unwired) or filtered; never for
 * deliveries ended by close: the runtime drops those and the source replays them
 * (docs/decisions/0004).
 */
import type { Node, NodeAPI, NodeCredentials, NodeDef, NodeMessage } from "node-red";
import { completion, configFailure, type DeadLetter, type DeliverySummary, resultOutput, statusParts, type StatusView, type TargetResult, Throttle } from "../lib/sinks";
import { responseClass } from "../lib/metrics/sink";
import { guardedClose } from "./close";
import { nodeSinkMetrics } from "./metrics-api";
import { message } from "./node-errors";

export type DoneFn = (err?: Error) => void;
type SendFn = (msg: NodeMessage | (NodeMessage | null)[]) => void;
export type SinkMessage = NodeMessage & Record<string, unknown>;
/** A sink node's properties: Node-RED's, the sink's settings as flow JSON has them, the wires. */
export type SinkNodeDef<C> = NodeDef & C & { wires?: unknown };

/** A sink as the adapter drives it. */
export interface SinkPort {
  /** Hand the message's event to the sink; `onResult` for each target as it ends. Never rejects. */
  deliver(msg: SinkMessage, onResult: (r: TargetResult) => void): Promise<DeliverySummary>;
  /** what the node shows now */
  status(): StatusView;
  /** after the first status is shown (begin discovery, rule look-ups) */
  start?(): void;
  close(): Promise<void>;
}

/** What a sink node's `open` may use. */
export interface SinkControl {
  /** a status update, throttled */
  refresh(): void;
  /** a status update now (state changes that must not wait) */
  refreshNow(): void;
  /** an attempt failed (metrics: attempts and retries by answer class); `retrying`: another attempt follows */
  attemptFailed(statusCode: number | undefined, retrying: boolean): void;
}

export interface SinkNodeSpec {
  /** the node type, also the i18n catalog (`<type>.errors.config`, `<type>.errors.not-delivered`, `<type>.status.…`) */
  type: string;
  /** several targets per message: each result message is a copy of the input (OpenFaaS) */
  copyPerTarget?: boolean;
  /** read the settings and build the sink; a throw is a configuration error */
  open(control: SinkControl): SinkPort;
  /** where the sink delivers (the metrics' `target` label; never credentials) */
  target: string;
}

const STATUS_INTERVAL_MS = 500;
const CLOSE_DEADLINE_MS = 1900;

/** Is output `index` wired to anything? (Output 2 unwired: failures become done(err).) */
export function outputWired(wires: unknown, index: number): boolean {
  if (!Array.isArray(wires)) return false;
  const w: unknown = wires[index];
  return Array.isArray(w) && w.length > 0;
}

/** done, at most once: the acknowledgement of an event must not be counted twice. */
export function once(done: DoneFn): DoneFn {
  let called = false;
  return (err?: Error) => {
    if (called) return;
    called = true;
    if (err === undefined) done();
    else done(err);
  };
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Finish an input message once its work settles: `complete` gets the result; a throw in it or a
 * rejection of the work becomes done(err), so the message is never left uncompleted.
 */
export function completeWhen<R>(work: Promise<R>, complete: (result: R) => void, finish: DoneFn): void {
  work.then(
    (result) => {
      try {
        complete(result);
      } catch (err) {
        finish(asError(err));
      }
    },
    (err: unknown) => finish(asError(err)),
  );
}

/** Run a sink node: call from the node's constructor after `RED.nodes.createNode`. */
export function runSinkNode(RED: NodeAPI, node: Node, wires: unknown, spec: SinkNodeSpec): void {
  const t = spec.type;
  const deadLetterWired = outputWired(wires, 1);
  let port: SinkPort | undefined;
  let configError: string | undefined;

  const show = (): void => {
    if (configError !== undefined) {
      node.status({ fill: "red", shape: "ring", text: RED._(`${t}.errors.config`, { reason: configError }) });
      return;
    }
    if (port === undefined) return;
    const v = port.status();
    node.status({ fill: v.fill, shape: v.shape, text: statusParts(v).map((p) => RED._(`${t}.${p.key}`, p.params)).join(" · ") });
  };
  const throttle = new Throttle(STATUS_INTERVAL_MS, show);
  const metrics = nodeSinkMetrics(RED, node, spec.target);
  let inFlight = 0;

  try {
    port = spec.open({
      refresh: () => throttle.request(),
      refreshNow: () => throttle.now(),
      attemptFailed: (statusCode, retrying) => {
        const c = responseClass(statusCode);
        metrics.attempt(c);
        if (retrying) metrics.retry(c);
      },
    });
  } catch (err) {
    configError = message(err);
    node.error(RED._(`${t}.errors.config`, { reason: configError }), {});
  }
  show();
  try {
    port?.start?.();
  } catch (err) {
    node.error(message(err), {});
  }

  node.on("input", (input: NodeMessage, send: SendFn, done: DoneFn) => {
    const finish = once(done);
    const msg = input as SinkMessage;
    const unsent: DeadLetter[] = [];
    const onResult = (r: TargetResult): void => {
      try {
        throttle.request();
        const res = r.result;
        if (res.outcome === "delivered") {
          metrics.attempt(responseClass(res.statusCode));
          metrics.delivered(res.durationMs / 1000);
        } else if (res.outcome === "dead-letter") {
          // its failed attempts were counted as they failed (attemptFailed)
          metrics.deadLetter(res.durationMs / 1000);
          metrics.error(res.reason);
        }
        const shaped = resultOutput(r);
        if (shaped === undefined) return;
        const out = spec.copyPerTarget ? RED.util.cloneMessage<SinkMessage>(msg) : msg;
        if (shaped.output === 1) {
          Object.assign(out, shaped.fields);
          send([out, null]);
        } else if (deadLetterWired) {
          Object.assign(out, shaped.fields);
          send([null, out]);
        } else {
          unsent.push(shaped.deadLetter);
        }
      } catch (err) {
        node.error(asError(err), msg);
      }
    };
    let work: Promise<DeliverySummary>;
    if (port === undefined) {
      const r: TargetResult = { result: configFailure(configError ?? "") };
      onResult(r);
      work = Promise.resolve({ results: [r], closed: false });
    } else {
      try {
        work = port.deliver(msg, onResult);
      } catch (err) {
        work = Promise.reject(asError(err));
      }
    }
    metrics.inFlight(++inFlight);
    work = work.finally(() => metrics.inFlight(--inFlight));
    completeWhen(
      work,
      (summary) => {
        const c = completion(summary, unsent);
        if (c.kind === "closed") return; // closing: the runtime drops the message, the source replays it
        throttle.request();
        if (c.kind === "done") {
          finish();
          return;
        }
        msg.error = c.error;
        finish(new Error(RED._(`${t}.errors.not-delivered`, { reason: c.text })));
      },
      finish,
    );
  });

  guardedClose(node, CLOSE_DEADLINE_MS, async () => {
    throttle.close();
    await port?.close();
    node.status({});
  });
}

export interface SinkNodeType<C, Cr extends object> {
  type: string;
  copyPerTarget?: boolean;
  credentials: NodeCredentials<Cr>;
  /** read the settings and build the sink; a throw is a configuration error */
  open(node: Node<Cr>, config: SinkNodeDef<C>, control: SinkControl): SinkPort;
  /** where the sink delivers, for the metrics' `target` label (never credentials) */
  target(config: SinkNodeDef<C>): string;
}

/** Register a sink node type whose nodes run through `runSinkNode`. */
export function registerSinkNode<C, Cr extends object>(RED: NodeAPI, t: SinkNodeType<C, Cr>): void {
  function SinkNode(this: Node<Cr>, config: SinkNodeDef<C>): void {
    RED.nodes.createNode(this, config);
    const node = this;
    runSinkNode(RED, node, config.wires, {
      type: t.type,
      ...(t.copyPerTarget !== undefined ? { copyPerTarget: t.copyPerTarget } : {}),
      open: (control) => t.open(node, config, control),
      target: t.target(config),
    });
  }
  RED.nodes.registerType<Node<Cr>, SinkNodeDef<C>, object, Cr>(t.type, SinkNode, { credentials: t.credentials });
}
