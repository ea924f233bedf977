/**
 * Checkpoint persistence over a small store interface (Node-RED context is one adapter, an
 * in-memory map another). The value lives in memory and is written every `periodMs` when it
 * changed, and once more on close.
 */

export interface CheckpointStore<T> {
  load(): Promise<T | undefined>;
  save(value: T): Promise<void>;
}

export interface CheckpointerOptions {
  periodMs: number;
  /** called when a save fails; the value stays dirty and is tried again next period */
  onError?: (err: unknown) => void;
}

export class Checkpointer<T> {
  private value: T | undefined;
  /** builds the value at save time, so a hot path can mark a change without building it */
  private pending: (() => T) | undefined;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: CheckpointStore<T>,
    private readonly options: CheckpointerOptions,
  ) {}

  async load(): Promise<T | undefined> {
    this.value = await this.store.load();
    return this.value;
  }

  get current(): T | undefined {
    this.materialise();
    return this.value;
  }

  /** Replace the in-memory checkpoint; persisted at the next period or on close. */
  set(value: T): void {
    this.value = value;
    this.pending = undefined;
    this.dirty = true;
  }

  /** Mark the checkpoint changed; `build` is called when it is read or saved. */
  update(build: () => T): void {
    this.pending = build;
    this.dirty = true;
  }

  private materialise(): void {
    if (this.pending === undefined) return;
    const build = this.pending;
    this.pending = undefined;
    this.value = build();
  }

  start(): void {
    if (this.timer !== undefined || this.options.periodMs <= 0) return;
    this.timer = setInterval(() => void this.flush(), this.options.periodMs);
    this.timer.unref();
  }

  /** Write the checkpoint now if it changed. Never rejects. */
  flush(): Promise<void> {
    this.saving = this.saving.then(async () => {
      if (!this.dirty) return;
      this.materialise();
      if (this.value === undefined) return;
      const v = this.value;
      this.dirty = false;
      try {
        await this.store.save(v);
      } catch (err) {
        if (this.value === v) this.dirty = true;
        this.options.onError?.(err);
      }
    });
    return this.saving;
  }

  /** Stop the timer without writing (this instance lost the right to write: a lease ended). */
  abandon(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.dirty = false;
    this.pending = undefined;
  }

  /** Stop the timer and write what is pending. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}

/** A store in process memory (tests, and `delivery` experiments without persistence). */
export class MemoryCheckpointStore<T> implements CheckpointStore<T> {
  constructor(public value?: T) {}
  async load(): Promise<T | undefined> {
    return this.value === undefined ? undefined : (JSON.parse(JSON.stringify(this.value)) as T);
  }
  async save(value: T): Promise<void> {
    this.value = JSON.parse(JSON.stringify(value)) as T;
  }
}
