/**
 * The bounded in-flight window behind `delivery: acknowledged`: events enter in order, are
 * acknowledged in any order, and the commit point is the end of the contiguous acknowledged
 * prefix. When the window is full, `room()` returns a promise the reader awaits
 * (backpressure: it stops reading, memory stays bounded).
 */

interface Slot<T> {
  item: T;
  acked: boolean;
}

export class AckWindow<T> {
  private readonly slots = new Map<number, Slot<T>>();
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
    const seq = this.next++;
    this.slots.set(seq, { item, acked: false });
    return seq;
  }

  /** Acknowledge one item (idempotent; unknown numbers are ignored). */
  ack(seq: number): void {
    if (this.closed) return; // nothing is committed once the source has stopped
    const slot = this.slots.get(seq);
    if (slot === undefined || slot.acked) return;
    slot.acked = true;
    while (this.head < this.next) {
      const h = this.slots.get(this.head);
      if (h === undefined || !h.acked) break;
      this.slots.delete(this.head);
      this.head++;
      this.onCommit(h.item);
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
