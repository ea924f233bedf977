/**
 * One active reader per stream: a lease in Redis beside a node's checkpoint
 * (`<prefix>:<scope>:lease:<key>`, lib/redis/keys.ts).
 *
 * - Taken with `SET NX PX leaseMs` and a random token that starts with the instance name
 *   (`host:pid` by default), so a standby can say who holds it.
 * - Renewed every leaseMs/3 with compare-and-extend; a renewal that finds another token (or
 *   none) loses the lease at once.
 * - The holder also loses it when Redis has not confirmed it for leaseMs (minus a margin) since
 *   the last confirmed request was sent: by then another instance may hold it, so the holder
 *   must stop reading. `held` turns false at that moment even if the timer is late (a paused
 *   process), so check it before acting.
 * - Checkpoint writes are fenced: `fencedWrite` writes the value exactly where the context store
 *   keeps the key (field `key` of the scope's hash) in one script that first checks the token;
 *   a stale holder's write returns false and changes nothing.
 * - A standby tries to take it every leaseMs/5 and reports the holder.
 *
 * Events: "acquired" (LeaseInfo), "lost" (reason, holder instance or undefined), "holder"
 * (instance or undefined: whoever holds it now, emitted on change). Listener exceptions are
 * caught and reported.
 */
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { leaseKey } from "./keys";
import { parsePath } from "./property-path";
import { LEASE_ACQUIRE, LEASE_RELEASE, LEASE_RENEW } from "./scripts";
import type { Reply } from "./connection";
import type { RedisContextStore } from "./store";

export interface LeaseOptions {
  /** the context scope of the checkpoint: the node's scope (`<nodeId>:<flowId>`) */
  scope: string;
  /** the checkpoint's top-level context key */
  key: string;
  /** shown to standbys; default `<hostname>:<pid>` */
  instance?: string;
  /** lease length in ms; default the store's `leaseMs` */
  leaseMs?: number;
}

export interface LeaseInfo {
  instance: string;
  token: string;
}

/**
 * Why a lease was lost: another token holds it ("taken"), it was gone when renewed ("expired"),
 * or Redis could not confirm it before it would have expired ("unconfirmed").
 */
export type LeaseLostReason = "taken" | "expired" | "unconfirmed";

export interface LeaseEvents {
  acquired: [LeaseInfo];
  lost: [LeaseLostReason, string | undefined];
  holder: [string | undefined];
}

export function defaultInstanceName(): string {
  return `${hostname()}:${process.pid}`;
}

/** The instance name inside a token (`<instance>#<random>`). */
export function tokenInstance(token: string): string | undefined {
  if (!token) return undefined;
  const i = token.lastIndexOf("#");
  return i > 0 ? token.slice(0, i) : token;
}

function now(): number {
  return performance.now();
}

export class Lease extends EventEmitter<LeaseEvents> {
  readonly instance: string;
  readonly leaseMs: number;
  readonly key: string;
  readonly scope: string;
  private readonly redisKey: string;
  private token: string;
  private holding = false;
  private validUntil = 0;
  private running = false;
  private stopped = false;
  private inFlight = false;
  private currentHolder: string | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly unhook: () => void;

  constructor(
    private readonly store: RedisContextStore,
    options: LeaseOptions,
  ) {
    super();
    if (typeof options.scope !== "string" || options.scope === "") throw new TypeError("lease: scope must be a non-empty string");
    const parts = parsePath(options.key);
    if (parts.length !== 1 || String(parts[0]) !== options.key) throw new TypeError("lease: key must be a top-level context key");
    this.scope = options.scope;
    this.key = options.key;
    this.instance = options.instance ?? defaultInstanceName();
    if (this.instance.includes("#")) throw new TypeError("lease: instance must not contain '#'");
    this.leaseMs = options.leaseMs ?? store.config.leaseMs;
    if (!Number.isFinite(this.leaseMs) || this.leaseMs < 300) throw new TypeError("lease: leaseMs must be at least 300");
    this.redisKey = leaseKey(store.config.prefix, this.scope, this.key);
    this.token = this.newToken();
    this.unhook = store.onClose(() => this.stop());
  }

  private newToken(): string {
    return `${this.instance}#${randomBytes(12).toString("hex")}`;
  }

  /** Safety margin: the holder gives up this long before Redis could let another take over. */
  private get margin(): number {
    return Math.min(1000, Math.floor(this.leaseMs / 10));
  }

  /** True while this instance holds the lease and Redis confirmed it recently enough. */
  get held(): boolean {
    return this.holding && now() < this.validUntil;
  }

  /** The instance holding the lease as last seen (this one while held), or undefined. */
  get holder(): string | undefined {
    return this.currentHolder;
  }

  private emitSafe<K extends keyof LeaseEvents>(event: K, ...args: LeaseEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: LeaseEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.store.connection.note(`a lease "${event}" listener threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private setHolder(holder: string | undefined): void {
    if (holder === this.currentHolder) return;
    this.currentHolder = holder;
    this.emitSafe("holder", holder);
  }

  /** Starts trying to take the lease (at once, then every leaseMs/5 while another holds it). */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.attempt();
  }

  private schedulePoll(): void {
    clearTimeout(this.pollTimer);
    if (!this.running || this.holding) return;
    this.pollTimer = setTimeout(() => this.attempt(), Math.max(50, Math.floor(this.leaseMs / 5)));
  }

  private attempt(): void {
    if (!this.running || this.holding || this.inFlight) return;
    this.inFlight = true;
    const sent = now();
    const timeout = Math.max(100, Math.floor(this.leaseMs / 5));
    this.store.connection
      .eval(LEASE_ACQUIRE, [this.redisKey], [this.token, String(this.leaseMs)], timeout)
      .then(
        (reply) => this.onAcquireReply(reply, sent),
        () => undefined, // Redis unreachable: try again at the next poll
      )
      .finally(() => {
        this.inFlight = false;
        this.schedulePoll();
      })
      .catch(() => undefined);
  }

  private onAcquireReply(reply: Reply, sent: number): void {
    if (!this.running) {
      // stopped meanwhile: give back what may just have been taken
      if (Array.isArray(reply) && reply[0] === 1) void this.releaseToken(this.token);
      return;
    }
    if (!Array.isArray(reply)) return;
    if (reply[0] === 1) {
      this.holding = true;
      this.validUntil = 0;
      this.confirm(sent);
      this.setHolder(this.instance);
      this.scheduleRenew(Math.floor(this.leaseMs / 3));
      this.emitSafe("acquired", { instance: this.instance, token: this.token });
    } else {
      this.setHolder(tokenInstance(typeof reply[1] === "string" ? reply[1] : ""));
    }
  }

  /** Redis confirmed the lease for leaseMs from `sent` (or later). */
  private confirm(sent: number): void {
    this.validUntil = Math.max(this.validUntil, sent + this.leaseMs - this.margin);
    clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(() => this.checkExpiry(), Math.max(0, this.validUntil - now()) + 1);
  }

  private checkExpiry(): void {
    if (!this.holding) return;
    if (now() < this.validUntil) {
      this.confirm(0); // a renewal moved it: wait again
      return;
    }
    this.lose("unconfirmed", undefined);
  }

  private scheduleRenew(delay: number): void {
    clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => this.renew(), delay);
  }

  /**
   * Every leaseMs/3 (sooner after a failed attempt), without waiting for an earlier renewal
   * still in flight: each may take until the lease would expire, since a later answer is useless
   * and an earlier one, however slow, still keeps the lease.
   */
  private renew(): void {
    if (!this.holding || !this.running) return;
    if (!this.held) {
      this.lose("unconfirmed", undefined);
      return;
    }
    const sent = now();
    const token = this.token;
    const interval = Math.floor(this.leaseMs / 3);
    this.scheduleRenew(interval);
    this.store.connection
      .eval(LEASE_RENEW, [this.redisKey], [token, String(this.leaseMs)], Math.max(50, Math.floor(this.validUntil - sent)))
      .then(
        (reply) => {
          if (!this.holding || token !== this.token) return;
          if (Array.isArray(reply) && reply[0] === 1) {
            if (now() < this.validUntil) this.confirm(sent); // never revive a lease already given up
            return;
          }
          const other = Array.isArray(reply) && typeof reply[1] === "string" && reply[1] !== "" ? reply[1] : undefined;
          this.lose(other ? "taken" : "expired", tokenInstance(other ?? ""));
        },
        () => {
          // not confirmed: try again soon; the expiry timer ends the lease if this goes on
          if (this.holding && token === this.token) this.scheduleRenew(Math.max(50, Math.floor(this.leaseMs / 10)));
        },
      )
      .catch(() => undefined);
  }

  private lose(reason: LeaseLostReason, holder: string | undefined): void {
    if (!this.holding) return;
    const old = this.token;
    this.holding = false;
    this.validUntil = 0;
    clearTimeout(this.renewTimer);
    clearTimeout(this.expiryTimer);
    this.token = this.newToken();
    // unconfirmed: the old token may still be in Redis; give it back so a standby need not wait
    if (reason === "unconfirmed") void this.releaseToken(old);
    this.setHolder(holder);
    this.emitSafe("lost", reason, holder);
    this.schedulePoll();
  }

  private releaseToken(token: string): Promise<void> {
    return this.store.connection
      .eval(LEASE_RELEASE, [this.redisKey], [token], 2000)
      .then(() => undefined)
      .catch(() => undefined);
  }

  /**
   * Writes `value` (as JSON) to the checkpoint key only while this instance holds the lease:
   * resolves true if written, false if the lease is not held (then "lost" fires). Rejects when
   * Redis did not answer (nothing is known to be written) or the value cannot be JSON.
   */
  async fencedWrite(value: unknown): Promise<boolean> {
    if (!this.held) return false;
    const encoded = JSON.stringify(value);
    if (encoded === undefined) throw new TypeError("lease: the checkpoint value cannot be written as JSON");
    const token = this.token;
    const remaining = Math.max(1, Math.floor(this.validUntil - now()));
    const wrote = await this.store.fencedWrite(this.scope, this.key, encoded, this.redisKey, token, Math.min(remaining, this.store.config.commandTimeout));
    if (!wrote && this.holding && token === this.token) this.lose("taken", undefined);
    return wrote;
  }

  /** Stops renewing and polling and gives the lease back if held. No "lost" event. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.running = false;
    this.unhook();
    clearTimeout(this.pollTimer);
    clearTimeout(this.renewTimer);
    clearTimeout(this.expiryTimer);
    const wasHolding = this.holding;
    this.holding = false;
    this.validUntil = 0;
    if (wasHolding) await this.releaseToken(this.token);
  }
}

/** Creates leases on one Redis context store's connection and configuration. */
export class LeaseFactory {
  constructor(private readonly store: RedisContextStore) {}

  /** The store's configured lease length (ms). */
  get leaseMs(): number {
    return this.store.config.leaseMs;
  }

  /** A lease for a scope's key; call start() after adding listeners. */
  create(options: LeaseOptions): Lease {
    return new Lease(this.store, options);
  }
}
