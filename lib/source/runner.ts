/**
 * The source runner: what every reading source (vcenter-in, horizon-in) does around its reader,
 * written once. A reader yields events; the runner hands each to the flow, tracks it in the
 * acknowledgement window (`delivery: acknowledged`) or counts it passed at once (`sent`), moves
 * the position, writes the checkpoint through a store, shows one status model, and stops in one
 * order. docs/architecture.md tells the path of one event through it.
 */
import { Throttle } from "../common/throttle";
import { AckWindow } from "./ack-window";
import { Checkpointer, type CheckpointStore } from "./checkpointer";
import { type SourceStatus, sourceStatusView } from "./status";
import type {
  ReplayReport,
  ReplaySink,
  RunnerState,
  SourceMessage,
  SourceOutput,
  SourceReader,
  SourceRunnerOptions,
  TermStart,
} from "./types";

export type {
  Delivery,
  EventFilter,
  ReplayReport,
  ReplaySink,
  RunnerState,
  SourceMessage,
  SourceObserver,
  SourceOutput,
  SourceReader,
  SourceRunnerOptions,
  TermStart,
} from "./types";

/** The window's marker for replayed events: acknowledged for backpressure, never committed. */
const REPLAYED: unique symbol = Symbol("replayed");
type Slot<Item> = Item | typeof REPLAYED;

const STATUS_INTERVAL_MS = 500;
/** a checkpoint load that takes longer is treated as failed (a store that hangs must not hold a stream) */
const LOAD_DEADLINE_MS = 30_000;

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(what)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * One term of reading: from loading the checkpoint to the stop (or, with a lease, to losing it).
 * A new term starts from the stored checkpoint with a new window, output and reader.
 */
interface Term<Item, Checkpoint> {
  checkpointer: Checkpointer<Checkpoint>;
  window: AckWindow<Slot<Item>> | undefined;
  output: SourceOutput;
  reader: SourceReader | undefined;
  pass: ((item: Item) => () => Checkpoint) | undefined;
  over: boolean;
}

export class SourceRunner<Item, Checkpoint> {
  private term: Term<Item, Checkpoint> | undefined;
  /** the latest term's output: untracked messages (replay reports) still go out through it */
  private lastOutput: SourceOutput | undefined;
  /** sequence numbers go on across terms, so a late completion of an old term's message can never count for a new one */
  private nextSeq = 1;
  private readonly abort = new AbortController();
  private readonly throttle: Throttle;
  private status: SourceStatus = { state: "connecting" };
  private lastFailure: string | undefined;
  private stopping = false;
  private paused = false;
  private resumeWaiters: (() => void)[] = [];
  private filteredCount = 0;
  private replaying: { reader: SourceReader; from: string; to: string; count: number; filtered: number; cancelled: boolean } | undefined;

  constructor(private readonly opts: SourceRunnerOptions<Item, Checkpoint>) {
    if (opts.delivery === "acknowledged" && (!Number.isInteger(opts.maxInFlight) || opts.maxInFlight < 1)) {
      throw new Error(`in-flight window must be a whole number ≥ 1 (got ${opts.maxInFlight})`);
    }
    this.throttle = new Throttle(opts.statusIntervalMs ?? STATUS_INTERVAL_MS, () => this.show());
  }

  private newTerm(): Term<Item, Checkpoint> {
    const lease = this.opts.lease;
    const store: CheckpointStore<Checkpoint> =
      lease === undefined
        ? this.opts.store
        : {
            load: () => this.opts.store.load(),
            save: async (v) => {
              if (!(await lease.fencedSave(v))) throw new Error("the checkpoint was not written: this instance no longer holds the lease");
            },
          };
    const term: Term<Item, Checkpoint> = {
      checkpointer: new Checkpointer(store, { periodMs: this.opts.checkpointPeriodMs, onError: this.opts.onSaveError }),
      window: undefined,
      output: undefined as unknown as SourceOutput,
      reader: undefined,
      pass: undefined,
      over: false,
    };
    if (this.opts.delivery === "acknowledged") {
      term.window = new AckWindow<Slot<Item>>(
        this.opts.maxInFlight,
        (item) => {
          if (item !== REPLAYED && !term.over) this.commit(term, item);
        },
        this.nextSeq,
      );
    }
    term.output = this.opts.output((seq) => term.window?.ack(seq));
    this.lastOutput = term.output;
    return term;
  }

  /**
   * Read: (with a lease: wait in standby until this instance holds it;) load the checkpoint,
   * start the reader `start` builds from it; with a lease, when it is lost, drop the term without
   * writing its checkpoint and wait again. Resolves once reading has started for good (without
   * a lease) or the runner stops.
   */
  async begin(start: (checkpoint: Checkpoint | undefined) => TermStart<Item, Checkpoint>): Promise<void> {
    const lease = this.opts.lease;
    while (!this.stopping) {
      if (lease !== undefined) {
        this.setStatus({ state: "standby", holder: "" });
        const held = await lease.acquire(this.abort.signal, (holder) => {
          if (holder !== "") this.opts.log?.(`standby: ${holder} reads the stream`);
          this.setStatus({ state: "standby", holder });
        });
        if (!held || this.stopping) return;
        this.opts.log?.("this instance holds the lease: reading the stream");
        this.setStatus({ state: "connecting" });
      }
      const term = this.newTerm();
      this.term = term;
      const lost = lease?.lost();
      let checkpoint: Checkpoint | undefined;
      try {
        checkpoint = await withDeadline(term.checkpointer.load(), LOAD_DEADLINE_MS, "loading the checkpoint took too long");
      } catch (err) {
        if (lease === undefined) throw err;
        // the store is in trouble: try again (the lease ends by itself if Redis is gone)
        this.opts.log?.(`could not load the checkpoint (${err instanceof Error ? err.message : String(err)}); trying again`);
        await this.dropTerm(term, "the checkpoint could not be loaded");
        await new Promise((r) => setTimeout(r, 1000).unref());
        continue;
      }
      if (this.stopping) return;
      if (term.over) continue;
      if (lease !== undefined) this.opts.log?.(checkpoint === undefined ? "no checkpoint yet: reading from now" : "reading from the stored checkpoint");
      const t = start(checkpoint);
      term.reader = t.reader;
      term.pass = t.pass;
      term.checkpointer.start();
      t.reader.start();
      if (lost === undefined) return;
      const reason = await Promise.race([lost, this.stoppedPromise()]);
      if (this.stopping || reason === undefined) return;
      await this.dropTerm(term, reason);
    }
  }

  private stoppedPromise(): Promise<undefined> {
    return new Promise((resolve) => {
      if (this.abort.signal.aborted) resolve(undefined);
      else this.abort.signal.addEventListener("abort", () => resolve(undefined), { once: true });
    });
  }

  /**
   * The lease is lost: stop reading at once, drop what is in flight (no acknowledgement of it
   * commits), and write no checkpoint: the instance that holds the lease now goes on from the
   * stored one.
   */
  private async dropTerm(term: Term<Item, Checkpoint>, reason: string): Promise<void> {
    this.opts.log?.(`lost the lease (${reason}): reading stops, standby`);
    term.over = true;
    if (this.term === term) this.term = undefined;
    if (term.window !== undefined) this.nextSeq = term.window.nextSeq;
    term.checkpointer.abandon();
    term.window?.close();
    term.output.close();
    const r = this.replaying;
    if (r !== undefined) {
      r.cancelled = true;
      void this.finishReplay(r, `the stream's lease was lost: ${reason}`);
    }
    try {
      await term.reader?.close();
    } catch {
      // a reader that fails to close is gone anyway
    }
    this.setStatus({ state: "standby", holder: "" });
  }

  /** Whether stop() has begun (a reader created after it is never started). */
  get stopped(): boolean {
    return this.stopping;
  }

  /** events handed to the flow and not finished yet (`acknowledged`; 0 for `sent`) */
  get inFlight(): number {
    return this.term?.window?.inFlight ?? 0;
  }

  /** The position a reader starts at when none was stored: written at once, so a restart starts there too. */
  startAt(checkpoint: Checkpoint): void {
    const c = this.term?.checkpointer;
    if (c === undefined) return;
    c.set(checkpoint);
    void c.flush();
  }

  /**
   * Hand one event's message to the flow. `acknowledged`: returns a promise while the window is
   * full (the reader waits on it: backpressure, bounded memory). `sent`: it counts as passed now.
   */
  emit(msg: SourceMessage, item: Item): Promise<void> | undefined {
    const term = this.term;
    if (this.stopping || term === undefined) return undefined; // not checkpointed: read again after the restart
    if (this.paused) return this.resumed().then(() => (this.term === term ? this.emit(msg, item) : undefined));
    const w = term.window;
    const obs = this.opts.observer;
    if (this.opts.filter !== undefined && !this.opts.filter.matches(msg.payload)) {
      // not sent, but handled: the checkpoint moves past it (in stream order)
      this.filteredCount++;
      obs?.filtered();
      if (w === undefined) this.commit(term, item);
      else w.ack(w.add(item));
      return undefined;
    }
    if (w === undefined) {
      term.output.send(msg);
      obs?.sent(false, this.timeOf(item));
      this.commit(term, item);
      return undefined;
    }
    const wait = this.track(term, msg, w, item);
    if (obs !== undefined) {
      obs.sent(false, this.timeOf(item));
      obs.inFlight(w.inFlight);
    }
    return wait;
  }

  private commit(term: Term<Item, Checkpoint>, item: Item): void {
    const pass = term.pass;
    if (pass === undefined) return;
    term.checkpointer.update(pass(item));
    const obs = this.opts.observer;
    if (obs !== undefined) {
      obs.committed(this.timeOf(item));
      if (term.window !== undefined) obs.inFlight(term.window.inFlight);
    }
  }

  private timeOf(item: Item): number {
    const f = this.opts.itemTime;
    return f === undefined ? NaN : f(item);
  }

  /** Send tracked; a send that throws counts as handled (the reader logs it and goes on). */
  private track(term: Term<Item, Checkpoint>, msg: SourceMessage, w: AckWindow<Slot<Item>>, item: Slot<Item>): Promise<void> | undefined {
    const seq = w.add(item);
    try {
      term.output.sendTracked(msg, seq);
    } catch (err) {
      w.ack(seq);
      throw err;
    }
    return w.room();
  }

  // ---- run-time control: pause, resume, replay, cancel, status

  get isPaused(): boolean {
    return this.paused;
  }

  /** Stop sending: the reader waits at its next event (nothing is lost; the event is sent on resume). */
  pause(): void {
    if (this.paused || this.stopping) return;
    this.paused = true;
    this.throttle.now();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const w = this.resumeWaiters;
    this.resumeWaiters = [];
    for (const r of w) r();
    this.throttle.now();
  }

  private resumed(): Promise<void> {
    return new Promise((resolve) => this.resumeWaiters.push(resolve));
  }

  /** Whether a replay is under way. */
  get replayActive(): boolean {
    return this.replaying !== undefined;
  }

  /**
   * Re-read [from, to] beside the live stream: `create` builds the protocol's replay reader,
   * which sends through the given sink. Replayed messages carry `msg.replay = true`, go through
   * the same in-flight window (backpressure) and never move the checkpoint. When the range is
   * read (or cancelled, or failed) one `replay-complete` message reports the counts. Throws when
   * a replay is already under way.
   */
  startReplay(from: string, to: string, create: (sink: ReplaySink) => SourceReader): void {
    if (this.stopping) throw new Error("the node is stopping");
    if (this.term === undefined) throw new Error("this instance is not reading the stream (standby)");
    if (this.replaying !== undefined) throw new Error(`a replay (${this.replaying.from} to ${this.replaying.to}) is under way; cancel it first`);
    const r = { reader: undefined as unknown as SourceReader, from, to, count: 0, filtered: 0, cancelled: false };
    let ended = false;
    const sink: ReplaySink = {
      emit: (msg) => {
        const term = this.term;
        if (ended || this.stopping || this.replaying !== r || term === undefined) return undefined;
        if (this.paused) return this.resumed().then(() => sink.emit(msg));
        if (this.opts.filter !== undefined && !this.opts.filter.matches(msg.payload)) {
          r.filtered++;
          return undefined;
        }
        msg.replay = true;
        r.count++;
        this.opts.observer?.sent(true, NaN);
        this.throttle.request();
        const w = term.window;
        if (w === undefined) {
          term.output.send(msg);
          return undefined;
        }
        return this.track(term, msg, w, REPLAYED);
      },
      end: (error) => {
        if (ended) return;
        ended = true;
        void this.finishReplay(r, error);
      },
      get count() {
        return r.count;
      },
    };
    r.reader = create(sink);
    this.replaying = r;
    this.throttle.now();
    r.reader.start();
  }

  /** Stop the replay under way (it reports `cancelled`); false when there is none. */
  cancelReplay(): boolean {
    const r = this.replaying;
    if (r === undefined) return false;
    r.cancelled = true;
    void this.finishReplay(r, undefined);
    return true;
  }

  private async finishReplay(r: NonNullable<SourceRunner<Item, Checkpoint>["replaying"]>, error: string | undefined): Promise<void> {
    if (this.replaying !== r) return;
    this.replaying = undefined;
    this.throttle.now();
    try {
      await r.reader.close();
    } catch {
      // a replay reader that fails to close is gone anyway
    }
    if (this.stopping) return;
    const report: ReplayReport = { from: r.from, to: r.to, count: r.count, filtered: r.filtered, cancelled: r.cancelled };
    if (error !== undefined) report.error = error;
    try {
      this.lastOutput?.send({ topic: "replay-complete", payload: report });
    } catch {
      // the report is best effort; the replay itself is over
    }
  }

  /** What the `status` action reports. */
  describe(): RunnerState {
    const s = this.status;
    const r = this.replaying;
    return {
      state: s.state,
      count: s.state === "connected" ? s.count : 0,
      ...(s.state === "error" || s.state === "reconnecting" ? { reason: s.reason } : {}),
      paused: this.paused,
      delivery: this.opts.delivery,
      inFlight: this.inFlight,
      filtered: this.filteredCount,
      replay: r === undefined ? null : { from: r.from, to: r.to, count: r.count },
      checkpoint: this.term?.checkpointer.current ?? null,
    };
  }

  /** A reader's (or connection's) status. Same-state updates are throttled; changes show at once. */
  setStatus(s: SourceStatus): void {
    if (this.stopping) return;
    const changed = s.state !== this.status.state;
    // with a lease, say what the reader does in the log: an operator sees which instance reads and how
    if (changed && this.opts.lease !== undefined && s.state !== "standby") {
      this.opts.log?.(`reader ${s.state}${s.state === "error" || s.state === "reconnecting" ? `: ${s.reason}` : ""}`);
    }
    this.status = s;
    this.opts.observer?.status(s);
    if (s.state === "error" || s.state === "reconnecting") {
      if (s.reason !== this.lastFailure) {
        this.lastFailure = s.reason;
        try {
          this.opts.onFailure?.(s.reason);
        } catch {
          // reporting must never break reading
        }
      }
    } else if (s.state === "connected") {
      this.lastFailure = undefined;
    }
    if (changed) this.throttle.now();
    else this.throttle.request();
  }

  /** Show the status again now (something `adjust` looks at has changed). */
  refreshStatus(): void {
    if (!this.stopping) this.throttle.now();
  }

  get currentStatus(): SourceStatus {
    return this.status;
  }

  /**
   * Stop, in this order: acknowledge what the flow finished before the stop, close the window
   * (nothing commits after this; a reader waiting for room goes on and sees the stop), stop the
   * reader, forget tracked messages, write the checkpoint.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    this.throttle.close();
    // readers waiting for a resume go on and see the stop
    const waiting = this.resumeWaiters;
    this.resumeWaiters = [];
    for (const w of waiting) w();
    const term = this.term;
    const r = this.replaying;
    this.replaying = undefined;
    if (term !== undefined) {
      term.output.settle();
      term.window?.close();
    }
    try {
      await Promise.all([term?.reader?.close(), r?.reader.close()]);
    } finally {
      if (term !== undefined) {
        term.output.close();
        await term.checkpointer.close();
        term.over = true;
      }
      await this.opts.lease?.release().catch(() => undefined);
    }
  }

  private show(): void {
    const s = this.opts.adjust?.(this.status) ?? this.status;
    const count = this.status.state === "connected" ? this.status.count : 0;
    if (this.paused) {
      this.opts.show({ fill: "yellow", shape: "ring", key: "status.paused", params: { count } });
    } else if (this.replaying !== undefined && s.state === "connected") {
      this.opts.show({ fill: "blue", shape: "dot", key: "status.replaying", params: { count, replayed: this.replaying.count } });
    } else {
      this.opts.show(sourceStatusView(s));
    }
  }
}
