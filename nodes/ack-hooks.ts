/**
 * At-least-once through the flow (`delivery: acknowledged`), on Node-RED's message hooks.
 *
 * A source puts a token (`msg._ackToken`, "<source node id>:<sequence>") on each message and
 * holds it until the send has been routed. Every copy routed to a node (preDeliver), or handed
 * to a node directly (onReceive without routing: link nodes), adds one to the token's count.
 * A node whose input handler takes `done` takes one off when it completes the copy
 * (onComplete); a node with an older one- or two-argument handler never completes messages,
 * so its copy counts as finished once the handler has run (postReceive). At zero every node the event reached has finished with
 * it: the source is told, and its checkpoint may move past the event. The package's sinks call
 * done() only once the event is delivered or dead-lettered, so they acknowledge through the
 * same path; a flow ending in any other node does not stall. See docs/decisions/0004.
 */
import type { Node, NodeAPI } from "node-red";
import { AckWindow } from "../lib/delivery/ack-window";

export const ACK_TOKEN = "_ackToken";

const sources = new Map<string, AckSource>();
const counts = new Map<string, number>();
const routed = new WeakSet<object>();
let installed = false;

interface HookEvent {
  msg?: unknown;
  destination?: { node?: unknown };
  node?: { node?: unknown };
}

/**
 * Whether a node completes messages with done(): Node-RED counts its three-argument input
 * handlers in `_expectedDoneCount`. Where that is unknown, assume it does not, so a flow can
 * never stall on it (the acknowledgement may then come early).
 */
function callsDone(node: unknown): boolean {
  const n = (node as { _expectedDoneCount?: unknown } | undefined)?._expectedDoneCount;
  return typeof n === "number" && n > 0;
}

function tokenOf(msg: unknown): string | undefined {
  if (msg === null || typeof msg !== "object") return undefined;
  const t = (msg as Record<string, unknown>)[ACK_TOKEN];
  return typeof t === "string" && counts.has(t) ? t : undefined;
}

function add(token: string, delta: number): void {
  const n = (counts.get(token) ?? 0) + delta;
  if (n > 0) {
    counts.set(token, n);
    return;
  }
  counts.delete(token);
  const colon = token.lastIndexOf(":");
  sources.get(token.slice(0, colon))?.acknowledge(Number(token.slice(colon + 1)));
}

interface Hooks {
  add(name: string, fn: (ev: HookEvent) => void): void;
}

interface StoppingEvent {
  type?: string;
  diff?: Record<string, unknown>;
}

/**
 * Flows are about to stop. Nodes that hold messages complete them as they close (the core
 * delay node calls done() for its queue) without having handled them, so from now on a
 * source that is going to stop too takes no more acknowledgements: its checkpoint stays
 * before those events and they are replayed after the restart. A source that keeps running
 * (a partial deploy that leaves it alone) goes on counting.
 */
function onFlowsStopping(ev: StoppingEvent): void {
  const all = ev.type === undefined || ev.type === "full" || ev.type === "reload";
  const stopping = new Set<string>();
  if (!all) {
    for (const key of ["changed", "removed"]) {
      const ids = ev.diff?.[key];
      if (Array.isArray(ids)) for (const id of ids) if (typeof id === "string") stopping.add(id);
    }
  }
  for (const source of sources.values()) {
    if (all || stopping.has(source.id) || (source.flowId !== undefined && stopping.has(source.flowId))) source.freeze();
  }
}

export function installAckHooks(RED: NodeAPI): void {
  if (installed) return;
  const hooks = (RED as unknown as { hooks?: Hooks }).hooks;
  if (hooks === undefined) throw new Error("this Node-RED has no message hooks (needs 2.0 or later)");
  const events = (RED as unknown as { events?: { on(name: string, fn: (ev: StoppingEvent) => void): void } }).events;
  events?.on("flows:stopping", (ev) => {
    try {
      onFlowsStopping(ev ?? {});
    } catch {
      // never disturb a deploy
    }
  });
  hooks.add("preDeliver.vmwareEventAck", (ev) => {
    const t = tokenOf(ev.msg);
    if (t === undefined) return;
    routed.add(ev.msg as object);
    add(t, 1);
  });
  hooks.add("onReceive.vmwareEventAck", (ev) => {
    const t = tokenOf(ev.msg);
    if (t === undefined) return;
    if (routed.has(ev.msg as object)) routed.delete(ev.msg as object);
    else add(t, 1);
  });
  hooks.add("postReceive.vmwareEventAck", (ev) => {
    const t = tokenOf(ev.msg);
    if (t !== undefined && !callsDone(ev.destination?.node)) add(t, -1);
  });
  hooks.add("onComplete.vmwareEventAck", (ev) => {
    const t = tokenOf(ev.msg);
    if (t !== undefined && callsDone(ev.node?.node)) add(t, -1);
  });
  installed = true;
}

/** A source of tracked messages: `ack` is called with the sequence number of each handled one. */
export class AckSource {
  private frozen = false;
  /** holds to let go of once this turn's sends have been routed */
  private pending: string[] = [];

  constructor(
    readonly id: string,
    /** the tab the source is on (a partial deploy of that tab restarts it) */
    readonly flowId: string | undefined,
    private readonly ack: (seq: number) => void,
  ) {
    sources.set(id, this);
  }

  /** Called by the hooks when every node has finished with a message. */
  acknowledge(seq: number): void {
    if (this.frozen) return;
    try {
      this.ack(seq);
    } catch {
      // an acknowledgement must never disturb the flow that completed the message
    }
  }

  /** Take no more acknowledgements (the flows are stopping). */
  freeze(): void {
    this.frozen = true;
  }

  /**
   * Send a tracked message: put token `seq` on it, hold it while it is sent, and let go of the
   * hold once the send has been routed (at once when our preDeliver hook already ran inside
   * send(), else after this turn).
   */
  send(node: Node, msg: Record<string, unknown>, seq: number): void {
    const token = this.hold(seq);
    msg[ACK_TOKEN] = token;
    node.send(msg);
    if (!this.releaseIfRouted(token) && this.pending.push(token) === 1) setImmediate(() => this.releasePending());
  }

  /** Let go of every hold still waiting for its turn. */
  releasePending(): void {
    for (const t of this.pending.splice(0)) this.release(t);
  }

  /** Token for a message about to be sent; held until release(). */
  hold(seq: number): string {
    const token = `${this.id}:${seq}`;
    counts.set(token, 1);
    return token;
  }

  /** Let go of the source's own hold (after the send has been routed). */
  release(token: string): void {
    if (counts.has(token)) add(token, -1);
  }

  /**
   * Let go of the hold now if the send has already been routed to some node (our preDeliver
   * hook ran inside send(), as it does when no other plugin's hook is asynchronous); returns
   * false when it has not, and the caller releases later. Releasing early lets an event's
   * objects die young (measured: ~40 % less promoted to the old generation).
   */
  releaseIfRouted(token: string): boolean {
    const n = counts.get(token);
    if (n === undefined || n < 2) return false;
    counts.set(token, n - 1);
    return true;
  }

  close(): void {
    this.frozen = true;
    if (sources.get(this.id) === this) sources.delete(this.id);
    const prefix = `${this.id}:`;
    for (const t of counts.keys()) if (t.startsWith(prefix)) counts.delete(t);
  }
}

/**
 * A reading source's `delivery: acknowledged` (vcenter-in, horizon-in): the bounded in-flight
 * window and a token per message. `onCommit` gets each event once it and every event before it
 * are finished. Throws when this Node-RED has no message hooks.
 */
export class AcknowledgedSends<T> {
  private readonly window: AckWindow<T>;
  private readonly acks: AckSource;

  constructor(RED: NodeAPI, node: Node, limit: number, onCommit: (item: T) => void) {
    installAckHooks(RED);
    this.window = new AckWindow<T>(limit, onCommit);
    this.acks = new AckSource(node.id, (node as Node & { z?: string }).z, (seq) => this.window.ack(seq));
  }

  /** Send `msg` tracked as `item`; a promise when the window is full (the reader waits on it). */
  send(node: Node, msg: Record<string, unknown>, item: T): Promise<void> | undefined {
    this.acks.send(node, msg, this.window.add(item));
    return this.window.room();
  }

  /**
   * Before the reader stops: acknowledge what the flow finished before the stop (holds still
   * waiting for their turn), then let a reader waiting for room go; nothing commits after this.
   */
  stop(): void {
    this.acks.releasePending();
    this.window.close();
  }

  /** After the reader stopped: forget this source's tokens. */
  close(): void {
    this.acks.close();
  }
}
