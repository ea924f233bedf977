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
import { type SourceStatus, type StatusView, sourceStatusView } from "./status";

export type SourceMessage = Record<string, unknown>;
export type Delivery = "acknowledged" | "sent";

/** Where the runner sends messages: the flow (nodes/source-node.ts), or a test's array. */
export interface SourceOutput {
  /** hand a message to the flow, untracked (`delivery: sent`) */
  send(msg: SourceMessage): void;
  /**
   * hand a message to the flow tracked as `seq` (`delivery: acknowledged`): the output calls
   * the runner's acknowledge(seq) once every node the message reached has finished with it
   */
  sendTracked(msg: SourceMessage, seq: number): void;
  /** acknowledge what the flow finished before the stop (holds still waiting for their turn) */
  settle(): void;
  /** forget every message still tracked */
  close(): void;
}

/** A protocol's event reader as the runner drives it. */
export interface SourceReader {
  start(): void;
  close(): Promise<void>;
}

export interface SourceRunnerOptions<Item, Checkpoint> {
  store: CheckpointStore<Checkpoint>;
  /** checkpoint writes at most this often (and on stop) */
  checkpointPeriodMs: number;
  delivery: Delivery;
  /** events in the flow not yet finished (`acknowledged`); the reader waits when it is reached */
  maxInFlight: number;
  /**
   * move the committed position past `item` (events arrive here in stream order); returns how
   * to build the checkpoint there (called only when the checkpoint is written)
   */
  pass(item: Item): () => Checkpoint;
  output: SourceOutput;
  /** show a status (the node translates the view's key) */
  show(view: StatusView): void;
  /** adjust a reader's status before it is shown (vcenter-in: its shared connection's state) */
  adjust?(status: SourceStatus): SourceStatus;
  /** an error or reconnecting status with a reason other than the last one */
  onFailure?(reason: string): void;
  /** a checkpoint write failed (it is tried again next period) */
  onSaveError?(err: unknown): void;
  /** same-state status updates at most this often (default 500 ms) */
  statusIntervalMs?: number;
}

const STATUS_INTERVAL_MS = 500;

export class SourceRunner<Item, Checkpoint> {
  private readonly checkpointer: Checkpointer<Checkpoint>;
  private readonly window: AckWindow<Item> | undefined;
  private readonly throttle: Throttle;
  private status: SourceStatus = { state: "connecting" };
  private lastFailure: string | undefined;
  private reader: SourceReader | undefined;
  private stopping = false;

  constructor(private readonly opts: SourceRunnerOptions<Item, Checkpoint>) {
    this.checkpointer = new Checkpointer(opts.store, { periodMs: opts.checkpointPeriodMs, onError: opts.onSaveError });
    if (opts.delivery === "acknowledged") {
      this.window = new AckWindow<Item>(opts.maxInFlight, (item) => this.checkpointer.update(opts.pass(item)));
    }
    this.throttle = new Throttle(opts.statusIntervalMs ?? STATUS_INTERVAL_MS, () => this.show());
  }

  /** Whether stop() has begun (a reader created after it is never started). */
  get stopped(): boolean {
    return this.stopping;
  }

  /** events handed to the flow and not finished yet (`acknowledged`; 0 for `sent`) */
  get inFlight(): number {
    return this.window?.inFlight ?? 0;
  }

  /** The stored checkpoint (undefined when there is none). */
  load(): Promise<Checkpoint | undefined> {
    return this.checkpointer.load();
  }

  /** The position a reader starts at when none was stored: written at once, so a restart starts there too. */
  startAt(checkpoint: Checkpoint): void {
    this.checkpointer.set(checkpoint);
    void this.checkpointer.flush();
  }

  /** Start reading (unless stop() came first). */
  run(reader: SourceReader): void {
    if (this.stopping) return;
    this.reader = reader;
    this.checkpointer.start();
    reader.start();
  }

  /**
   * Hand one event's message to the flow. `acknowledged`: returns a promise while the window is
   * full (the reader waits on it: backpressure, bounded memory). `sent`: it counts as passed now.
   */
  emit(msg: SourceMessage, item: Item): Promise<void> | undefined {
    const w = this.window;
    if (w === undefined) {
      this.opts.output.send(msg);
      this.checkpointer.update(this.opts.pass(item));
      return undefined;
    }
    this.opts.output.sendTracked(msg, w.add(item));
    return w.room();
  }

  /** Every node has finished with message `seq` (called by the output). */
  acknowledge(seq: number): void {
    this.window?.ack(seq);
  }

  /** A reader's (or connection's) status. Same-state updates are throttled; changes show at once. */
  setStatus(s: SourceStatus): void {
    if (this.stopping) return;
    const changed = s.state !== this.status.state;
    this.status = s;
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
    this.throttle.close();
    this.opts.output.settle();
    this.window?.close();
    try {
      await this.reader?.close();
    } finally {
      this.opts.output.close();
      await this.checkpointer.close();
    }
  }

  private show(): void {
    const s = this.opts.adjust?.(this.status) ?? this.status;
    this.opts.show(sourceStatusView(s));
  }
}
