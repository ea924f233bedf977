/**
 * A Redis lease (lib/redis/lease.ts) as the source runner's SourceLease (lib/source/lease.ts):
 * acquire = wait for "acquired" (standbys poll every leaseMs/5 and report the holder), lost =
 * the next "lost" event, checkpoint writes fenced by the lease's token.
 */
import type { SourceLease } from "../source/lease";
import type { Lease, LeaseLostReason } from "./lease";

const REASONS: Record<LeaseLostReason, string> = {
  taken: "another instance holds the lease",
  expired: "the lease expired",
  unconfirmed: "Redis did not confirm the lease in time",
};

export class RedisSourceLease implements SourceLease {
  private onLost: ((reason: string) => void)[] = [];

  constructor(private readonly lease: Lease) {
    lease.on("lost", (reason, holder) => {
      const text = holder !== undefined && reason === "taken" ? `${REASONS[reason]} (${holder})` : REASONS[reason];
      const waiting = this.onLost;
      this.onLost = [];
      for (const w of waiting) w(text);
    });
  }

  acquire(signal: AbortSignal, holder: (name: string) => void): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    this.lease.start();
    if (this.lease.held) return Promise.resolve(true);
    const current = this.lease.holder;
    if (current !== undefined && current !== this.lease.instance) holder(current);
    return new Promise((resolve) => {
      const done = (held: boolean): void => {
        this.lease.off("acquired", onAcquired);
        this.lease.off("holder", onHolder);
        signal.removeEventListener("abort", onAbort);
        resolve(held);
      };
      const onAcquired = (): void => done(true);
      const onHolder = (h: string | undefined): void => {
        if (h !== undefined && h !== this.lease.instance) holder(h);
        else if (h === undefined) holder("");
      };
      const onAbort = (): void => done(false);
      this.lease.on("acquired", onAcquired);
      this.lease.on("holder", onHolder);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  lost(): Promise<string> {
    return new Promise((resolve) => this.onLost.push(resolve));
  }

  fencedSave(value: unknown): Promise<boolean> {
    return this.lease.fencedWrite(value);
  }

  release(): Promise<void> {
    return this.lease.stop();
  }
}
