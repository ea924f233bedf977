/**
 * One active reader per stream (high availability): before reading, a source takes a lease
 * beside its checkpoint; instances that do not get it wait in standby. Checkpoint writes are
 * fenced by the lease, so an instance that lost it (paused, cut off) can never overwrite a newer
 * checkpoint. lib/redis implements it on Redis; sources without a lease run as a single instance.
 */
export interface SourceLease {
  /**
   * Wait until this instance holds the lease, reporting the current holder (an instance name)
   * meanwhile. Resolves false when `signal` aborts first.
   */
  acquire(signal: AbortSignal, holder: (name: string) => void): Promise<boolean>;
  /**
   * Resolves with a reason once the lease this instance holds is lost: another instance holds
   * it, or it could not be confirmed before it would have expired. One promise per holding.
   */
  lost(): Promise<string>;
  /** Write the checkpoint only while holding the lease; false (nothing written) otherwise. */
  fencedSave(value: unknown): Promise<boolean>;
  /** Give the lease up (stop). */
  release(): Promise<void>;
}
