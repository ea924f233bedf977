/** The source runner's interfaces (lib/source/runner.ts): what it drives and what it reports. */
import type { CheckpointStore } from "./checkpointer";
import type { SourceLease } from "./lease";
import type { SourceStatus, StatusView } from "./status";

export type SourceMessage = Record<string, unknown>;

export type Delivery = "acknowledged" | "sent";

/**
 * The sources' in-flight window when the flow does not set `maxInFlight`. 100 keeps any sink
 * busy (knative-out at concurrency 8, eventbridge-out's batches) while the messages waiting in
 * it die young: at 1,000 they outlived the young generation and a drain into a sink peaked at
 * ~350 MB RSS instead of ~200 MB (docs/benchmarks.md). It also bounds the duplicates after a
 * failover.
 */
export const DEFAULT_MAX_IN_FLIGHT = 100;

/** Content filter of a source: events whose CloudEvent does not match are not sent (lib/pattern). */
export interface EventFilter {
  matches(cloudEvent: unknown): boolean;
}

/** A replay's time range and what became of it (the `replay-complete` message's payload). */
export interface ReplayReport {
  from: string;
  to: string;
  /** events sent into the flow */
  count: number;
  /** events read but not sent (content filter) */
  filtered: number;
  cancelled: boolean;
  error?: string;
}

/** Where a replay reader sends: like emit(), marked `msg.replay`; `end` when the range is read. */
export interface ReplaySink {
  emit(msg: SourceMessage): Promise<void> | undefined;
  end(error?: string): void;
  /** progress for the status */
  readonly count: number;
}

/** The runner's state, as the `status` action reports it. */
export interface RunnerState {
  state: SourceStatus["state"];
  /** events read by the live stream since start */
  count: number;
  reason?: string;
  paused: boolean;
  delivery: Delivery;
  inFlight: number;
  /** events not sent because of the content filter */
  filtered: number;
  replay: { from: string; to: string; count: number } | null;
  checkpoint: unknown;
}

/**
 * What a runner reports as it goes (metrics and stats, lib/metrics). Called on the hot path:
 * implementations only count.
 */
export interface SourceObserver {
  /** an event was handed to the flow; `eventTimeMs` its event time (NaN when unknown) */
  sent(replayed: boolean, eventTimeMs: number): void;
  /** an event did not match the content filter (it counts as handled) */
  filtered(): void;
  /** every node an event reached has finished with it (`acknowledged`), or it was handed on (`sent`) */
  committed(eventTimeMs: number): void;
  /** events in the flow not finished yet */
  inFlight(n: number): void;
  status(s: SourceStatus): void;
}

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
   * the flow, for one term of reading: `acknowledge(seq)` is what it calls when every node has
   * finished with tracked message `seq`
   */
  output(acknowledge: (seq: number) => void): SourceOutput;
  /** high availability: read only while holding this lease (lib/source/lease.ts) */
  lease?: SourceLease;
  /** show a status (the node translates the view's key) */
  show(view: StatusView): void;
  /** adjust a reader's status before it is shown (vcenter-in: its shared connection's state) */
  adjust?: (status: SourceStatus) => SourceStatus;
  /** an error or reconnecting status with a reason other than the last one */
  onFailure?: (reason: string) => void;
  /** a checkpoint write failed (it is tried again next period) */
  onSaveError?: (err: unknown) => void;
  /** same-state status updates at most this often (default 500 ms) */
  statusIntervalMs?: number;
  /** content filter, matched against `msg.payload` (the CloudEvent) */
  filter?: EventFilter;
  observer?: SourceObserver;
  /** an item's event time, epoch ms (for the observer's lag figures) */
  itemTime?: (item: Item) => number;
  /** the runner's own log lines (a lease taken or lost) */
  log?: (msg: string) => void;
}

/** What a term of reading starts with: the protocol's reader and its committed position. */
export interface TermStart<Item, Checkpoint> {
  reader: SourceReader;
  /**
   * move the committed position past `item` (events arrive in stream order); returns how to
   * build the checkpoint there (called only when the checkpoint is written)
   */
  pass: (item: Item) => () => Checkpoint;
}
