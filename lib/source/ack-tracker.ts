/**
 * At-least-once through the flow (`delivery: acknowledged`): which messages every node they
 * reached has finished with. Free of Node-RED: nodes/ack-hooks.ts feeds it from Node-RED's
 * message hooks (see docs/decisions/0004-acknowledged-delivery.md).
 *
 * A source puts a token (`msg._ackToken`, "<source id>:<token number>", the number unique in the
 * runtime) on each message and holds it
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

/**
 * The counts of the tokens in flight, by token number. Numbers are handed out in increasing
 * order and mostly finish in about that order, so they live in a ring of slots indexed by number
 * (allocated once, grown while more than half of it is in use); a number that falls behind the
 * ring while still in flight moves to a Map. A Map with an entry per event in flight reallocated
 * its table every few hundred events, and a backlog drain promoted those tables to the old
 * generation (about 120 bytes per event).
 */
class TokenTable {
  private size = 1024;
  private counts = new Int32Array(this.size);
  private seqs = new Float64Array(this.size);
  private owners: (AckSource | undefined)[] = new Array<AckSource | undefined>(this.size).fill(undefined);
  /** the lowest number the ring holds */
  private base = 1;
  /** the number the next token gets */
  private next = 1;
  /** tokens in the ring with a count > 0 */
  private live = 0;
  private readonly behind = new Map<number, { owner: AckSource; seq: number; count: number }>();

  /** A new token with count 1. */
  hold(owner: AckSource, seq: number): number {
    const t = this.next++;
    while (t - this.base >= this.size) {
      if (this.live * 2 > this.size && this.size < MAX_RING) this.grow();
      else this.evictBase();
    }
    const i = t % this.size;
    this.counts[i] = 1;
    this.seqs[i] = seq;
    this.owners[i] = owner;
    this.live++;
    return t;
  }

  /** The count of token `t`, or undefined when it is not in flight. */
  count(t: number): number | undefined {
    if (t >= this.base && t < this.next) {
      const n = this.counts[t % this.size];
      return n > 0 ? n : undefined;
    }
    return this.behind.get(t)?.count;
  }

  owner(t: number): AckSource | undefined {
    if (t >= this.base && t < this.next) return this.counts[t % this.size] > 0 ? this.owners[t % this.size] : undefined;
    return this.behind.get(t)?.owner;
  }

  seq(t: number): number {
    if (t >= this.base && t < this.next) return this.seqs[t % this.size];
    return this.behind.get(t)?.seq ?? NaN;
  }

  /** Set the count of a token in flight; 0 ends it. */
  set(t: number, n: number): void {
    if (t >= this.base && t < this.next) {
      const i = t % this.size;
      if (this.counts[i] <= 0) return;
      if (n > 0) {
        this.counts[i] = n;
        return;
      }
      this.counts[i] = 0;
      this.owners[i] = undefined;
      this.live--;
      return;
    }
    const e = this.behind.get(t);
    if (e === undefined) return;
    if (n > 0) e.count = n;
    else this.behind.delete(t);
  }

  /** End every token of `owner`. */
  forget(owner: AckSource): void {
    for (let i = 0; i < this.size; i++) {
      if (this.owners[i] === owner && this.counts[i] > 0) {
        this.counts[i] = 0;
        this.owners[i] = undefined;
        this.live--;
      }
    }
    for (const [t, e] of this.behind) if (e.owner === owner) this.behind.delete(t);
  }

  get inFlight(): number {
    return this.live + this.behind.size;
  }

  private evictBase(): void {
    const i = this.base % this.size;
    const owner = this.owners[i];
    if (this.counts[i] > 0 && owner !== undefined) {
      this.behind.set(this.base, { owner, seq: this.seqs[i], count: this.counts[i] });
      this.live--;
    }
    this.counts[i] = 0;
    this.owners[i] = undefined;
    this.base++;
  }

  private grow(): void {
    const size = this.size * 2;
    const counts = new Int32Array(size);
    const seqs = new Float64Array(size);
    const owners = new Array<AckSource | undefined>(size).fill(undefined);
    for (let t = this.base; t < this.next; t++) {
      const from = t % this.size;
      counts[t % size] = this.counts[from];
      seqs[t % size] = this.seqs[from];
      owners[t % size] = this.owners[from];
    }
    this.size = size;
    this.counts = counts;
    this.seqs = seqs;
    this.owners = owners;
  }
}

/** the ring grows to at most this many slots; tokens further behind wait in a Map */
const MAX_RING = 1 << 16;

export class AckTracker {
  private readonly sources = new Map<string, AckSource>();
  private readonly tokens = new TokenTable();
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

  /** @internal A new token number of `source` for its message `seq`, held once. */
  hold(source: AckSource, seq: number): number {
    return this.tokens.hold(source, seq);
  }

  /** @internal The count of token number `t`, undefined once it has ended. */
  count(t: number): number | undefined {
    return this.tokens.count(t);
  }

  /** @internal */ setCount(t: number, n: number): void {
    this.tokens.set(t, n);
  }

  /** @internal Let go of one hold of token number `t` (nothing when it has ended). */
  release(t: number): void {
    this.add(t, -1);
  }

  /** @internal */ forget(source: AckSource): void {
    if (this.sources.get(source.id) === source) this.sources.delete(source.id);
    this.tokens.forget(source);
  }

  /** tokens being tracked (tests: nothing may be left behind) */
  get size(): number {
    return this.tokens.inFlight;
  }

  private add(t: number, delta: number): void {
    const c = this.tokens.count(t);
    if (c === undefined) return;
    const n = c + delta;
    if (n > 0) {
      this.tokens.set(t, n);
      return;
    }
    const owner = this.tokens.owner(t);
    const seq = this.tokens.seq(t);
    this.tokens.set(t, 0);
    owner?.acknowledge(seq);
  }

  /** The token number of a message in flight, or undefined (foreign, forged, finished). */
  private tokenOf(msg: unknown): number | undefined {
    if (msg === null || typeof msg !== "object") return undefined;
    const token = (msg as Record<string, unknown>)[ACK_TOKEN];
    return typeof token === "string" ? this.numberOf(token) : undefined;
  }

  /**
   * "<source id>:<number>" → the number, when that token is in flight for that source; parsed
   * without allocating (this runs four times per message copy)
   */
  private numberOf(token: string): number | undefined {
    const colon = token.lastIndexOf(":");
    const end = token.length;
    if (colon < 0 || end - colon < 2 || end - colon > 16) return undefined;
    let t = 0;
    for (let i = colon + 1; i < end; i++) {
      const d = token.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      t = t * 10 + d;
    }
    const owner = this.tokens.owner(t);
    if (owner === undefined || owner.id.length !== colon || !token.startsWith(owner.id)) return undefined;
    return t;
  }

  private markFailed(t: number, reason: () => string): void {
    this.tokens.owner(t)?.fail(this.tokens.seq(t), reason);
  }
}

/** One source of tracked messages (a node). */
export class AckSource {
  private frozen = false;
  /** token numbers whose hold is let go of once this turn's sends have been routed */
  private pending: number[] = [];

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
   * `send`, else after this turn). A throw from `send` lets go of the hold and is rethrown.
   */
  send(msg: Record<string, unknown>, seq: number, send: (msg: Record<string, unknown>) => void): void {
    // the hooks read the token from the message; this source keeps its number
    const t = this.tracker.hold(this, seq);
    msg[ACK_TOKEN] = `${this.id}:${t}`;
    try {
      send(msg);
    } catch (err) {
      // let go of the hold: copies already routed still count, and once they are finished (at
      // once when none was routed) the message is acknowledged: it never stalls a window
      this.tracker.release(t);
      throw err;
    }
    if (!this.releaseIfRouted(t) && this.pending.push(t) === 1) setImmediate(() => this.releasePending());
  }

  /** Let go of every hold still waiting for its turn. */
  releasePending(): void {
    for (const t of this.pending.splice(0)) this.tracker.release(t);
  }

  /**
   * Let go of the hold now if the send has already been routed to some node; returns false when
   * it has not, and the hold is let go of later. Releasing early lets an event's objects die
   * young (measured: ~40 % less promoted to the old generation).
   */
  private releaseIfRouted(t: number): boolean {
    const n = this.tracker.count(t);
    if (n === undefined || n < 2) return false;
    this.tracker.setCount(t, n - 1);
    return true;
  }

  /** Forget this source's tokens; nothing is acknowledged after this. */
  close(): void {
    this.frozen = true;
    this.pending = [];
    this.tracker.forget(this);
  }
}
