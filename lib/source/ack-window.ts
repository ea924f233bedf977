/**
 * The bounded in-flight window behind `delivery: acknowledged`: events enter in order, are
 * acknowledged in any order, and the commit point is the end of the contiguous acknowledged
 * prefix. When the window is full, `room()` returns a promise the reader awaits
 * (backpressure: it stops reading, memory stays bounded).
 */

export class AckWindow<T> {
  /**
   * The slots from `head` to `next`, a ring indexed by sequence number modulo its size: the span
   * is at most `limit` while the caller waits for room(), so the ring is allocated once and an
   * event costs no allocation here (a Map with one entry per event in flight reallocated its
   * table every few hundred events, and a drain promoted those tables to the old generation)
   */
  private items: (T | undefined)[];
  private acked: Uint8Array;
  /** sequence number of the oldest slot not yet committed */
  private head = 1;
  private next = 1;
  private waiters: (() => void)[] = [];
  private closed = false;
  private waking: NodeJS.Immediate | undefined;

  constructor(
    readonly limit: number,
    /** called with each item as it becomes committed, in order */
    private readonly onCommit: (item: T) => void,
    /** the first sequence number (a window that follows another continues its numbers) */
    first = 1,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`in-flight window must be a whole number ≥ 1 (got ${limit})`);
    this.head = first;
    this.next = first;
    const size = Math.min(limit, 1 << 16);
    this.items = new Array<T | undefined>(size).fill(undefined);
    this.acked = new Uint8Array(size);
  }

  /** the sequence number the next item gets */
  get nextSeq(): number {
    return this.next;
  }

  get inFlight(): number {
    return this.next - this.head;
  }

  /** Resolves at once when there is room, else when an acknowledgement makes room (or close). */
  room(): Promise<void> | undefined {
    if (this.inFlight < this.limit || this.closed) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Enter an item; returns its sequence number. */
  add(item: T): number {
    if (this.next - this.head >= this.items.length) this.grow();
    const seq = this.next++;
    const i = seq % this.items.length;
    this.items[i] = item;
    this.acked[i] = 0;
    return seq;
  }

  /** More slots (items added without waiting for room, or a limit above the first size). */
  private grow(): void {
    const size = this.items.length * 2;
    const items = new Array<T | undefined>(size).fill(undefined);
    const acked = new Uint8Array(size);
    for (let seq = this.head; seq < this.next; seq++) {
      items[seq % size] = this.items[seq % this.items.length];
      acked[seq % size] = this.acked[seq % this.items.length];
    }
    this.items = items;
    this.acked = acked;
  }

  /** Acknowledge one item (idempotent; unknown numbers are ignored). */
  ack(seq: number): void {
    if (this.closed) return; // nothing is committed once the source has stopped
    if (!Number.isInteger(seq) || seq < this.head || seq >= this.next) return;
    const size = this.items.length;
    if (this.acked[seq % size] === 1) return;
    this.acked[seq % size] = 1;
    while (this.head < this.next) {
      const i = this.head % size;
      if (this.acked[i] !== 1) break;
      const item = this.items[i] as T;
      this.items[i] = undefined;
      this.acked[i] = 0;
      this.head++;
      this.onCommit(item);
    }
    if (this.waiters.length > 0 && this.inFlight < this.limit && this.waking === undefined) {
      // wake the reader on the next turn, not inside the acknowledgement: the sink that
      // acknowledged has its next request to write first (undici writes it on setImmediate),
      // and the reader's work then overlaps with that request's round trip
      this.waking = setImmediate(() => {
        this.waking = undefined;
        if (this.inFlight < this.limit) this.release();
      });
    }
  }

  /** Release whoever waits for room; nothing is committed after this. */
  close(): void {
    this.closed = true;
    if (this.waking !== undefined) clearImmediate(this.waking);
    this.waking = undefined;
    this.release();
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}
