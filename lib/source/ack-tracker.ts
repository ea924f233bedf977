/**
 * At-least-once through the flow (`delivery: acknowledged`): which messages every node they
 * reached has finished with. Free of Node-RED: nodes/ack-hooks.ts feeds it from Node-RED's
 * message hooks (see docs/decisions/0004-acknowledged-delivery.md).
 *
 * A source puts a token (`msg._ackToken`, "<source id>:<sequence>") on each message and holds it
 * until the send has been routed. Every copy routed to a node, or handed to a node directly
 * (without routing: link nodes), adds one to the token's count. A node that completes messages
 * takes one off when it completes the copy; a node that never completes messages takes one off
 * once its input handler has run. At zero every node the event reached has finished with it and
 * its source is told. A copy that carries `msg.error` when routed (a sink's dead letter, a Catch
 * node), or a completion with an error, marks the event failed for sources that want to know
 * (cloudevent-in answers 500 then).
 */

export const ACK_TOKEN = "_ackToken";

/** What a source is told about its messages. */
export interface AckListener {
  /** every node the message reached has finished with it */
  acknowledge(seq: number): void;
  /** a node failed it (done(err)), or a copy carrying msg.error was routed */
  fail?(seq: number, reason: string): void;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e !== null && typeof e === "object" && typeof (e as { message?: unknown }).message === "string") {
    return (e as { message: string }).message;
  }
  return String(e);
}

export class AckTracker {
  private readonly sources = new Map<string, AckSource>();
  private readonly counts = new Map<string, number>();
  /** copies counted when routed (preDeliver), so their onReceive does not count them again */
  private readonly routed = new WeakSet<object>();

  /** A new source of tracked messages with this id (a node id). */
  source(id: string, flowId: string | undefined, listener: AckListener): AckSource {
    const s = new AckSource(this, id, flowId, listener);
    this.sources.set(id, s);
    return s;
  }

  // ---- hook entry points (each guarded by the caller; none of them throws on foreign input)

  /** A copy of `msg` is routed to a node (preDeliver). */
  routedTo(msg: unknown): void {
    const t = this.tokenOf(msg);
    if (t === undefined) return;
    const err = (msg as { error?: unknown }).error;
    if (err !== undefined && err !== null) this.markFailed(t, () => describeError(err));
    this.routed.add(msg as object);
    this.add(t, 1);
  }

  /** A node receives `msg` (onReceive): counted here when it was not routed (link nodes). */
  received(msg: unknown): void {
    const t = this.tokenOf(msg);
    if (t === undefined) return;
    if (this.routed.has(msg as object)) this.routed.delete(msg as object);
    else this.add(t, 1);
  }

  /** A node's input handler has run (postReceive); `completes`: the node calls done() itself. */
  handled(msg: unknown, completes: boolean): void {
    if (completes) return;
    const t = this.tokenOf(msg);
    if (t !== undefined) this.add(t, -1);
  }

  /** A node completed `msg` (onComplete), with `error` when it failed it. */
  completed(msg: unknown, completes: boolean, error: unknown): void {
    const t = this.tokenOf(msg);
    if (t === undefined) return;
    if (error !== undefined && error !== null && error !== false) this.markFailed(t, () => describeError(error));
    if (completes) this.add(t, -1);
  }

  /** Sources for which `stopping(source)` is true take no more acknowledgements. */
  freeze(stopping: (source: AckSource) => boolean): void {
    for (const s of this.sources.values()) if (stopping(s)) s.freeze();
  }

  // ---- for AckSource

  /** @internal */ hold(token: string): void {
    this.counts.set(token, 1);
  }

  /** @internal */ count(token: string): number | undefined {
    return this.counts.get(token);
  }

  /** @internal */ setCount(token: string, n: number): void {
    this.counts.set(token, n);
  }

  /** @internal */ drop(token: string): void {
    this.counts.delete(token);
  }

  /** @internal */ add(token: string, delta: number): void {
    const n = (this.counts.get(token) ?? 0) + delta;
    if (n > 0) {
      this.counts.set(token, n);
      return;
    }
    this.counts.delete(token);
    const [source, seq] = this.split(token);
    this.sources.get(source)?.acknowledge(seq);
  }

  /** @internal */ forget(source: AckSource): void {
    if (this.sources.get(source.id) === source) this.sources.delete(source.id);
    const prefix = `${source.id}:`;
    for (const t of this.counts.keys()) if (t.startsWith(prefix)) this.counts.delete(t);
  }

  /** tokens being tracked (tests: nothing may be left behind) */
  get size(): number {
    return this.counts.size;
  }

  private tokenOf(msg: unknown): string | undefined {
    if (msg === null || typeof msg !== "object") return undefined;
    const t = (msg as Record<string, unknown>)[ACK_TOKEN];
    return typeof t === "string" && this.counts.has(t) ? t : undefined;
  }

  private split(token: string): [string, number] {
    const colon = token.lastIndexOf(":");
    return [token.slice(0, colon), Number(token.slice(colon + 1))];
  }

  private markFailed(token: string, reason: () => string): void {
    const [source, seq] = this.split(token);
    this.sources.get(source)?.fail(seq, reason);
  }
}

/** One source of tracked messages (a node). */
export class AckSource {
  private frozen = false;
  /** holds to let go of once this turn's sends have been routed */
  private pending: string[] = [];

  constructor(
    private readonly tracker: AckTracker,
    readonly id: string,
    /** the tab the source is on (a partial deploy of that tab restarts it) */
    readonly flowId: string | undefined,
    private readonly listener: AckListener,
  ) {}

  /** Every node has finished with message `seq`. */
  acknowledge(seq: number): void {
    if (this.frozen) return;
    try {
      this.listener.acknowledge(seq);
    } catch {
      // an acknowledgement must never disturb the flow that completed the message
    }
  }

  /** A node failed message `seq`. */
  fail(seq: number, reason: () => string): void {
    if (this.frozen || this.listener.fail === undefined) return;
    try {
      this.listener.fail(seq, reason());
    } catch {
      // never disturb the flow
    }
  }

  /** Take no more acknowledgements (the flows are stopping). */
  freeze(): void {
    this.frozen = true;
  }

  /**
   * Send a tracked message: put token `seq` on it, hold it while `send` routes it, and let go of
   * the hold once the send has been routed (at once when the routing hook already ran inside
   * `send`, else after this turn). A throw from `send` takes the hold back and is rethrown.
   */
  send(msg: Record<string, unknown>, seq: number, send: (msg: Record<string, unknown>) => void): void {
    const token = `${this.id}:${seq}`;
    this.tracker.hold(token);
    msg[ACK_TOKEN] = token;
    try {
      send(msg);
    } catch (err) {
      this.tracker.drop(token); // the flow never had it: forget it without acknowledging
      throw err;
    }
    if (!this.releaseIfRouted(token) && this.pending.push(token) === 1) setImmediate(() => this.releasePending());
  }

  /** Let go of every hold still waiting for its turn. */
  releasePending(): void {
    for (const t of this.pending.splice(0)) if (this.tracker.count(t) !== undefined) this.tracker.add(t, -1);
  }

  /**
   * Let go of the hold now if the send has already been routed to some node; returns false when
   * it has not, and the hold is let go of later. Releasing early lets an event's objects die
   * young (measured: ~40 % less promoted to the old generation).
   */
  private releaseIfRouted(token: string): boolean {
    const n = this.tracker.count(token);
    if (n === undefined || n < 2) return false;
    this.tracker.setCount(token, n - 1);
    return true;
  }

  /** Forget this source's tokens; nothing is acknowledged after this. */
  close(): void {
    this.frozen = true;
    this.pending = [];
    this.tracker.forget(this);
  }
}
