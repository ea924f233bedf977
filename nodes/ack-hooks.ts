/**
 * Node-RED's message hooks feeding the acknowledgement tracker (lib/source/ack-tracker.ts) of
 * every `delivery: acknowledged` source: vcenter-in and horizon-in through the source runner,
 * cloudevent-in for its answer after the flow. Installed once per runtime.
 *
 * A node whose input handler takes `done` completes each copy (onComplete); a node with an older
 * one- or two-argument handler never completes messages, so its copy counts as finished once its
 * handler has run (postReceive). See docs/decisions/0004-acknowledged-delivery.md.
 */
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ACK_TOKEN, type AckListener, type AckSource as AckSourceOfTracker, AckTracker } from "../lib/source/ack-tracker";

export { ACK_TOKEN };

interface HookEvent {
  msg?: unknown;
  error?: unknown;
  destination?: { node?: unknown };
  node?: { node?: unknown };
}

interface Hooks {
  add(name: string, fn: (ev: HookEvent) => void): void;
}

interface StoppingEvent {
  type?: string;
  diff?: Record<string, unknown>;
}

interface Events {
  on(name: string, fn: (ev: StoppingEvent) => void): void;
}

/** one tracker per process, as the hooks were installed once (hook names are unique per runtime) */
let tracker: AckTracker | undefined;

/**
 * Whether a node completes messages with done(): Node-RED counts its three-argument input
 * handlers in `_expectedDoneCount`. Where that is unknown, assume it does not, so a flow can
 * never stall on it (the acknowledgement may then come early).
 */
function callsDone(node: unknown): boolean {
  const n = (node as { _expectedDoneCount?: unknown } | undefined)?._expectedDoneCount;
  return typeof n === "number" && n > 0;
}

/** Runs a hook body; a hook must never disturb the flow. */
function guarded(fn: (ev: HookEvent) => void): (ev: HookEvent) => void {
  return (ev) => {
    try {
      fn(ev ?? {});
    } catch {
      // never disturb a message's delivery
    }
  };
}

/**
 * Flows are about to stop. Nodes that hold messages complete them as they close (the core delay
 * node calls done() for its queue) without having handled them, so from now on a source that is
 * going to stop too takes no more acknowledgements: its checkpoint stays before those events and
 * they are replayed after the restart. A source that keeps running (a partial deploy that leaves
 * it alone) goes on counting.
 */
function stoppingSources(ev: StoppingEvent): (s: AckSourceOfTracker) => boolean {
  if (ev.type === undefined || ev.type === "full" || ev.type === "reload") return () => true;
  const stopping = new Set<string>();
  for (const key of ["changed", "removed"]) {
    const ids = ev.diff?.[key];
    if (Array.isArray(ids)) for (const id of ids) if (typeof id === "string") stopping.add(id);
  }
  return (s) => stopping.has(s.id) || (s.flowId !== undefined && stopping.has(s.flowId));
}

/** The process' tracker, its hooks installed on first use. Throws without message hooks (Node-RED < 2). */
export function ackTracker(RED: NodeAPI): AckTracker {
  if (tracker !== undefined) return tracker;
  const hooks = (RED as unknown as { hooks?: Hooks }).hooks;
  if (hooks === undefined) throw new Error("this Node-RED has no message hooks (needs 2.0 or later)");
  const t = new AckTracker();
  const events = (RED as unknown as { events?: Events }).events;
  events?.on("flows:stopping", (ev) => {
    try {
      t.freeze(stoppingSources(ev ?? {}));
    } catch {
      // never disturb a deploy
    }
  });
  hooks.add("preDeliver.vmwareEventAck", guarded((ev) => t.routedTo(ev.msg)));
  hooks.add("onReceive.vmwareEventAck", guarded((ev) => t.received(ev.msg)));
  hooks.add("postReceive.vmwareEventAck", guarded((ev) => t.handled(ev.msg, callsDone(ev.destination?.node))));
  hooks.add("onComplete.vmwareEventAck", guarded((ev) => t.completed(ev.msg, callsDone(ev.node?.node), ev.error)));
  tracker = t;
  return t;
}

/** A node's source of tracked messages. */
export function ackSource(RED: NodeAPI, node: Node, listener: AckListener): AckSourceOfTracker {
  return ackTracker(RED).source(node.id, (node as Node & { z?: string }).z, listener);
}

/** @deprecated transitional: cloudevent-in's former interface, until it moves to ackSource() */
export function installAckHooks(RED: NodeAPI): void {
  ackTracker(RED);
}

/** @deprecated transitional: cloudevent-in's former interface, until it moves to ackSource() */
export class AckSource {
  private readonly source: AckSourceOfTracker;
  constructor(id: string, flowId: string | undefined, ack: (seq: number) => void) {
    if (tracker === undefined) throw new Error("acknowledgement hooks are not installed");
    this.source = tracker.source(id, flowId, { acknowledge: ack });
  }
  send(node: Node, msg: Record<string, unknown>, seq: number): void {
    this.source.send(msg, seq, (m) => node.send(m as NodeMessage));
  }
  releasePending(): void {
    this.source.releasePending();
  }
  close(): void {
    this.source.close();
  }
}
