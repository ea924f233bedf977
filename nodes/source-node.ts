/**
 * The Node-RED side of the source runner (lib/source/runner.ts), shared by vcenter-in and
 * horizon-in: the checkpoint store in the node's context, the flow as the runner's output
 * (tracked through nodes/ack-hooks.ts for `delivery: acknowledged`), status texts from the node
 * type's catalog, catchable errors, and the close order with Node-RED's `removed` flag.
 */
import type { Node, NodeAPI, NodeMessage } from "node-red";
import type { CheckpointStore } from "../lib/source/checkpointer";
import { compileFilter } from "../lib/source/filter";
import { parseReplayRange } from "../lib/source/control";
import { type Delivery, type ReplaySink, type SourceOutput, type SourceReader, SourceRunner } from "../lib/source/runner";
import type { SourceStatus } from "../lib/source/status";
import type { SourceLease } from "../lib/source/lease";
import { leasesForSettings } from "../lib/redis";
import { RedisSourceLease } from "../lib/redis/source-lease";
import { ackSource, ackTracker } from "./ack-hooks";
import { guardedClose } from "./close";
import { contextStoreIsPersistent, nodeContextStore } from "./context-store";
import { nodeSourceMetrics } from "./metrics-api";
import { fail, message } from "./node-errors";

const CHECKPOINT_KEY = "checkpoint";

export interface SourceNodeSettings {
  checkpointStore: string;
  /** seconds */
  checkpointPeriod: number;
  delivery: Delivery;
  maxInFlight: number;
}

export interface SourceNodeSpec<Item, Checkpoint> {
  /** the node type: status texts, warnings and errors come from its catalog */
  type: string;
  settings: SourceNodeSettings;
  /** validate a stored value; `problem` is shown as a warning and the source starts fresh */
  readCheckpoint(value: unknown): { checkpoint?: Checkpoint; problem?: string };
  /** the committed position, starting at the stored checkpoint: see SourceRunnerOptions.pass */
  tracker(checkpoint: Checkpoint | undefined): (item: Item) => () => Checkpoint;
  /** the protocol's reader, sending through runner.emit */
  reader(runner: SourceRunner<Item, Checkpoint>, checkpoint: Checkpoint | undefined): SourceReader;
  adjust?: (status: SourceStatus) => SourceStatus;
  /** report failures (error/reconnecting statuses) as catchable errors once per distinct reason */
  reportFailures?: (reason: string) => string;
  /** where the node reads from (the metrics' `source` label): a URL without credentials */
  source: string;
  /** close deadline, ms */
  closeMs: number;
  /** after the runner stopped: release the protocol's resources (`removed`: the node is deleted, not redeployed) */
  release?(removed: boolean): Promise<void>;
  /** the content filter as configured (an event pattern; empty = every event) */
  filter?: unknown;
  /** an item's event time, epoch ms (metrics: the lag of the stream and of its checkpoint) */
  itemTime?: (item: Item) => number;
  /** a replay reader for [from, to] (ISO times) sending through `sink` */
  replay?: (sink: ReplaySink, from: string, to: string) => SourceReader;
}

const ACTIONS = ["pause", "resume", "replay", "cancel", "status"] as const;

/** The flow as a runner's output (one per term of reading). */
function flowOutput(RED: NodeAPI, node: Node, delivery: Delivery, acknowledge: (seq: number) => void): SourceOutput {
  const send = (msg: Record<string, unknown>): void => node.send(msg);
  if (delivery !== "acknowledged") {
    return { send, sendTracked: send, settle: () => undefined, close: () => undefined };
  }
  const acks = ackSource(RED, node, { acknowledge });
  return {
    send,
    sendTracked: (msg, seq) => acks.send(msg, seq, send),
    settle: () => acks.releasePending(),
    close: () => acks.close(),
  };
}

/**
 * High availability: when the checkpoint lives in the package's Redis context store, the node
 * reads only while it holds the lease beside its checkpoint (same node id on every instance,
 * since they run the same flow). Any other store: a single instance, as always.
 */
function leaseOf(RED: NodeAPI, node: Node, store: string): SourceLease | undefined {
  const leases = leasesForSettings(RED.settings, store);
  if (leases === undefined) return undefined;
  const n = node as Node & { z?: string; _alias?: string };
  const scope = n.z !== undefined && n.z !== "" ? `${n._alias ?? n.id}:${n.z}` : n.id;
  return new RedisSourceLease(leases.create({ scope, key: CHECKPOINT_KEY }));
}

/** Acknowledged delivery needs Node-RED's message hooks: fail at construction when there are none. */
function installAckHooksIfNeeded(RED: NodeAPI, delivery: Delivery): void {
  if (delivery === "acknowledged") ackTracker(RED);
}

/** Run a source node on the runner. Returns undefined (and shows why) when it cannot run. */
export function runSource<Item, Checkpoint>(RED: NodeAPI, node: Node, spec: SourceNodeSpec<Item, Checkpoint>): SourceRunner<Item, Checkpoint> | undefined {
  const { type, settings } = spec;
  if (!contextStoreIsPersistent(RED.settings, settings.checkpointStore)) {
    node.warn(RED._(`${type}.warnings.memory-store`, { store: settings.checkpointStore || "default" }));
  }
  const context = nodeContextStore(node, settings.checkpointStore);
  const store: CheckpointStore<Checkpoint> = {
    load: async () => {
      const { checkpoint, problem } = spec.readCheckpoint(await context.load(CHECKPOINT_KEY));
      if (problem !== undefined) node.warn(RED._(`${type}.warnings.bad-checkpoint`, { reason: problem }));
      return checkpoint;
    },
    save: (cp) => context.save(CHECKPOINT_KEY, cp),
  };

  const compiled = compileFilter(spec.filter);
  if (!compiled.ok) {
    fail(node, RED._(`${type}.errors.invalid-filter`, { reason: compiled.error }));
    return undefined;
  }

  const metrics = nodeSourceMetrics(RED, node, spec.source);
  let runner: SourceRunner<Item, Checkpoint>;
  try {
    installAckHooksIfNeeded(RED, settings.delivery);
    runner = new SourceRunner<Item, Checkpoint>({
      store,
      checkpointPeriodMs: settings.checkpointPeriod * 1000,
      delivery: settings.delivery,
      maxInFlight: settings.maxInFlight,
      output: (acknowledge) => flowOutput(RED, node, settings.delivery, acknowledge),
      lease: leaseOf(RED, node, settings.checkpointStore),
      show: (v) => node.status({ fill: v.fill, shape: v.shape, text: RED._(`${type}.${v.key}`, v.params) }),
      adjust: spec.adjust,
      onFailure: spec.reportFailures === undefined ? undefined : (reason) => node.error(spec.reportFailures!(reason), {}),
      onSaveError: (err) => node.warn(RED._(`${type}.warnings.checkpoint-save`, { reason: message(err) })),
      filter: compiled.filter,
      itemTime: spec.itemTime,
      log: (m) => node.log(m),
      observer: metrics,
    });
  } catch (err) {
    metrics?.release();
    fail(node, RED._(`${type}.errors.invalid-settings`, { reason: message(err) }));
    return undefined;
  }
  runner.setStatus({ state: "connecting" });

  runner.begin((checkpoint) => ({ pass: spec.tracker(checkpoint), reader: spec.reader(runner, checkpoint) })).catch((err: unknown) => {
    runner.setStatus({ state: "error", reason: message(err) });
    node.error(RED._(`${type}.errors.start`, { reason: message(err) }), {});
  });

  // run-time control (msg.action), as core mqtt-in's dynamic control
  node.on("input", (msg: NodeMessage & { action?: unknown; from?: unknown; to?: unknown }, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
    try {
      control(runner, spec, msg, send);
      done();
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
    }
  });

  guardedClose(node, spec.closeMs, async (removed) => {
    // the node's series go now (a redeployed node starts counting from 0)
    metrics?.release();
    await runner.stop();
    await spec.release?.(removed);
    node.status({});
  });
  return runner;
}

/** One control message; throws (a catchable error) for anything invalid. */
function control<Item, Checkpoint>(
  runner: SourceRunner<Item, Checkpoint>,
  spec: SourceNodeSpec<Item, Checkpoint>,
  msg: { action?: unknown; from?: unknown; to?: unknown },
  send: (m: NodeMessage) => void,
): void {
  const action = msg.action;
  switch (action) {
    case "pause":
      runner.pause();
      return;
    case "resume":
      runner.resume();
      return;
    case "status":
      send({ topic: "status", payload: runner.describe() });
      return;
    case "cancel":
      runner.cancelReplay();
      return;
    case "replay": {
      const replay = spec.replay;
      if (replay === undefined) throw new Error("this node cannot replay");
      const { from, to } = parseReplayRange(msg.from, msg.to, Date.now());
      runner.startReplay(from, to, (sink) => replay(sink, from, to));
      return;
    }
    default:
      throw new Error(
        `invalid action ${JSON.stringify(action) ?? "undefined"}: msg.action must be one of ${ACTIONS.map((a) => `"${a}"`).join(", ")}`,
      );
  }
}
