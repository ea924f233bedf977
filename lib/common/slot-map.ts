/**
 * Items that come and go all the time — requests waiting for the flow, events in flight, jobs
 * and HTTP exchanges running — kept in array slots reused through a free list, each under a key
 * that is never given out twice (slot and generation).
 *
 * Not a `Set` or `Map`: V8 rehashes their ordered tables as entries are added and deleted, and
 * an obsolete table keeps its entries and a pointer to its successor (for live iterators). Once
 * one obsolete table sits in the old generation, every later table and every entry they held
 * survive each scavenge and are promoted: behind an acknowledged `cloudevent-in`, ~2 MB of
 * requests per scavenge (17 % of all allocation) until the next full collection. An array slot
 * is cleared on delete, and the array is only replaced when it grows (its length is the most
 * items there ever were at once). A key comes back only after 2^32 items went through its slot.
 * (decision 0018)
 */

/** slots per generation: keys are `generation * SLOTS + slot` */
const SLOTS = 2 ** 21;
const MAX_GENERATION = 2 ** 32;

export class SlotMap<T> {
  private readonly items: (T | undefined)[] = [];
  private readonly gens: number[] = [];
  private free: number[] = [];
  private live = 0;

  /** Adds `item`; returns its key, for get() and delete(). */
  add(item: T): number {
    let slot: number;
    if (this.free.length > 0) slot = this.free.pop()!;
    else {
      slot = this.items.length;
      if (slot >= SLOTS) throw new RangeError(`more than ${SLOTS} items at once`);
      this.gens.push(0);
    }
    this.items[slot] = item;
    this.live++;
    return this.gens[slot] * SLOTS + slot;
  }

  /** The item under `key`, or undefined when it was deleted (or never added). */
  get(key: number): T | undefined {
    const slot = key % SLOTS;
    if (!(slot >= 0) || slot >= this.items.length || this.gens[slot] !== (key - slot) / SLOTS) return undefined;
    return this.items[slot];
  }

  /** Deletes the item under `key`; false when there is none. */
  delete(key: number): boolean {
    const slot = key % SLOTS;
    if (!(slot >= 0) || slot >= this.items.length || this.gens[slot] !== (key - slot) / SLOTS || this.items[slot] === undefined) {
      return false;
    }
    this.items[slot] = undefined;
    // the next item in this slot gets a new key (a generation past 2^32 starts again at 0)
    this.gens[slot] = (this.gens[slot] + 1) % MAX_GENERATION;
    this.live--;
    this.free.push(slot);
    return true;
  }

  get size(): number {
    return this.live;
  }

  /** The items, in no particular order (a copy: deleting while going through it is fine). */
  values(): T[] {
    const out: T[] = [];
    for (const v of this.items) if (v !== undefined) out.push(v);
    return out;
  }

  /** Deletes every item (their keys stay unique: slots keep their generations). */
  clear(): void {
    this.free = [];
    for (let slot = 0; slot < this.items.length; slot++) {
      if (this.items[slot] !== undefined) {
        this.items[slot] = undefined;
        this.gens[slot] = (this.gens[slot] + 1) % MAX_GENERATION;
      }
      this.free.push(slot);
    }
    this.live = 0;
  }
}
