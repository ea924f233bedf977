/**
 * Reused memory for the bytes of event pages read ahead (lib/vsphere/event-reader.ts).
 *
 * A page read ahead waits, as bytes, while the page before it is converted: that takes many of
 * the young generation's collections, so the network's buffers would be promoted and their
 * memory (outside the JS heap) given back only by a full collection. Draining a backlog, that
 * was ~60 MB of dead page bytes before each full collection (RSS +60 MB). Instead, each network
 * chunk is copied as it arrives into a fixed-size slab taken from here (the network's own buffer
 * then dies young), and the reader gives each slab back once it has decoded it. A page costs
 * the same few slabs again and again; the free list is bounded in bytes.
 */

/**
 * Bytes per slab, and so per piece of text the scanner gets. A piece with one character beyond
 * Latin-1 is a two-byte string: from 64 KiB of bytes that is 128 KiB, past V8's largest regular
 * object, so it went to the large-object space, where surviving one scavenge means promotion
 * (a tenth of all page text was promoted that way). 32 KiB keeps every piece a regular object.
 */
export const SLAB_BYTES = 32 * 1024;
/** free slabs kept for reuse, in bytes: two pages of ~1.5 MB (the one read and the one ahead) */
export const DEFAULT_POOLED_BYTES = 4 * 1024 * 1024;

export class PageSlabs {
  private readonly free: Buffer[] = [];
  private readonly freeSet = new Set<ArrayBuffer>();
  /** the slabs this pool made (what release() accepts) */
  private readonly mine = new WeakSet<ArrayBuffer>();
  private readonly maxFree: number;

  constructor(maxPooledBytes = DEFAULT_POOLED_BYTES) {
    this.maxFree = Math.max(0, Math.floor(maxPooledBytes / SLAB_BYTES));
  }

  /** free slabs held for reuse */
  get pooled(): number {
    return this.free.length;
  }

  /** bytes held for reuse */
  get pooledBytes(): number {
    return this.free.length * SLAB_BYTES;
  }

  /** A slab (SLAB_BYTES long), reused when one is free. Its content is undefined. */
  take(): Buffer {
    const s = this.free.pop();
    if (s !== undefined) {
      this.freeSet.delete(s.buffer as ArrayBuffer);
      return s;
    }
    const slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    this.mine.add(slab.buffer);
    return slab;
  }

  /**
   * Give back the slab under `view` (a view made by a Collector of this pool) once nothing
   * reads it any more. Anything else, and a slab over the bound, is left to the collector.
   */
  release(view: Buffer): void {
    const ab = view.buffer as ArrayBuffer;
    // a slab pooled twice would be handed to two pages at once
    if (!this.mine.has(ab) || this.freeSet.has(ab) || this.free.length >= this.maxFree) return;
    this.freeSet.add(ab);
    this.free.push(Buffer.from(ab, 0, SLAB_BYTES));
  }

  /** Give back every slab under these views (a page not decoded after all). */
  releaseAll(views: Buffer[]): void {
    for (const v of views) this.release(v);
  }

  /** A collector for one response body. */
  collector(): SlabCollector {
    return new SlabCollector(this);
  }
}

/**
 * Copies the chunks of one body into slabs; `views()` gives one view per slab, in order (every
 * slab full except the last). Each view is released to the pool on its own.
 */
export class SlabCollector {
  private readonly done: Buffer[] = [];
  private slab: Buffer | undefined;
  private used = 0;

  constructor(private readonly pool: PageSlabs) {}

  add(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.slab === undefined) {
        this.slab = this.pool.take();
        this.used = 0;
      }
      const n = chunk.copy(this.slab, this.used, at);
      this.used += n;
      at += n;
      if (this.used === SLAB_BYTES) this.seal();
    }
  }

  /** The body so far, one view per slab; the collector is empty afterwards. */
  views(): Buffer[] {
    this.seal();
    return this.done.splice(0);
  }

  /** Give everything collected back to the pool (the body is not needed after all). */
  discard(): void {
    this.pool.releaseAll(this.views());
  }

  private seal(): void {
    if (this.slab === undefined) return;
    if (this.used > 0) this.done.push(this.slab.subarray(0, this.used));
    else this.pool.release(this.slab);
    this.slab = undefined;
    this.used = 0;
  }
}
