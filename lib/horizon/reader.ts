/**
 * Reads Horizon audit events for one `horizon-in`, in ascending time order, exactly once.
 *
 * Each poll asks for the events from the position's millisecond onwards (`Between` is
 * inclusive; the upper bound is the client clock + 24 h, as the reference adapters do, to
 * tolerate clock skew), pages through them (`page`/`size` ≤ 1000) while `HAS_MORE_RECORDS`
 * says so, drops the ids already passed at that millisecond and duplicates between pages
 * (Horizon answers newest first, so an event inserted while we page shifts older ones onto the
 * next page: a duplicate, never a gap), sorts them by (time, id) and hands them on.
 *
 * Memory stays bounded under a backlog: when a window holds more than `maxPagesPerPoll` pages,
 * the reader narrows the window's upper bound to just below the oldest event it has seen (with
 * a width estimated from the observed density) and tries again, so it hands on the oldest part
 * first and comes straight back for the rest. A single millisecond is always read completely.
 *
 * Polls every `pollIntervalMs` (1 s) while events flow; when a poll finds nothing new it backs
 * off 1, 2, 4, 5 s. Errors (network, 5xx, 409) are reported through the status and retried with
 * back-off (1 s doubling to 30 s), refused credentials slowly (60 s doubling to 15 min, so as not
 * to lock the account out); the position is kept, so nothing is skipped.
 * Without a stored position the reader starts after the newest existing event (no replay of
 * history) and reports that starting position at once, so it can be saved.
 */
import { Backoff, sleep } from "../common/backoff";
import type { SourceLog, SourceStatus } from "../source/status";
import { type AuditEvent, type AuditEventSource, betweenFilter, HorizonError } from "./client";
import { type HorizonPosition, HorizonPositionTracker } from "./checkpoint";


export interface HorizonReaderOptions {
  client: AuditEventSource;
  /** the stored position to resume from */
  position?: HorizonPosition;
  /** events per page, 1..1000 (default 1000) */
  pageSize?: number;
  /** pages read for one window before narrowing it (default 5) */
  maxPagesPerPoll?: number;
  /** wait between polls while events flow (default 1000 ms) */
  pollIntervalMs?: number;
  /** waits after polls that find nothing (default 1000, 2000, 4000, 5000 ms) */
  idleBackoffMs?: number[];
  /** back-off after errors (default 1000 doubling to 30000 ms) */
  errorBackoffMinMs?: number;
  errorBackoffMaxMs?: number;
  /**
   * back-off after refused credentials (default 60 s doubling to 15 min): slow, so that a wrong
   * password does not lock the directory account out
   */
  loginBackoffMinMs?: number;
  loginBackoffMaxMs?: number;
  /** the client clock (tests) */
  now?: () => number;
  /**
   * a bounded range instead of the live stream (a replay): start at `position` and stop at
   * `until` (epoch ms, inclusive), calling `onEnd` once everything up to it is read
   */
  range?: { until: number; onEnd(): void };
  /** hand one event on; a returned promise pauses reading until it settles (backpressure) */
  onEvent(event: AuditEvent, id: string): void | Promise<void>;
  /** the starting position when there was none stored (save it: a restart must start there) */
  onStart?(position: HorizonPosition): void;
  /** after every event handed on, with the new position */
  onPosition?(position: HorizonPosition): void;
  onStatus(status: SourceStatus): void;
  log: SourceLog;
}

const DAY_MS = 24 * 3600 * 1000;
const DEFAULT_IDLE = [1000, 2000, 4000, 5000];

/** Order of ids at one millisecond: numeric when both are decimal integers, else text. */
export function compareIds(a: string, b: string): number {
  const da = /^-?\d+$/.test(a);
  const db = /^-?\d+$/.test(b);
  if (da && db) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Window {
  /** deduplicated by id */
  events: Map<string, AuditEvent>;
  complete: boolean;
  oldest: number;
  newest: number;
}

export class HorizonReader {
  private readonly stop = new AbortController();
  private running: Promise<void> | undefined;
  private readonly position: HorizonPositionTracker;
  private count = 0;
  private readonly pageSize: number;
  private readonly maxPages: number;
  private readonly pollMs: number;
  private readonly idle: number[];
  private readonly errorBackoff: Backoff;
  private readonly loginBackoff: Backoff;
  private readonly now: () => number;
  private skippedNoTime = 0;
  /** requests made, for tests */
  requests = 0;

  constructor(private readonly opts: HorizonReaderOptions) {
    this.pageSize = Math.min(1000, Math.max(1, Math.floor(opts.pageSize ?? 1000)));
    this.maxPages = Math.max(1, Math.floor(opts.maxPagesPerPoll ?? 5));
    this.pollMs = opts.pollIntervalMs ?? 1000;
    this.idle = opts.idleBackoffMs ?? DEFAULT_IDLE;
    this.errorBackoff = new Backoff(opts.errorBackoffMinMs ?? 1000, opts.errorBackoffMaxMs ?? 30_000);
    this.loginBackoff = new Backoff(opts.loginBackoffMinMs ?? 60_000, opts.loginBackoffMaxMs ?? 900_000);
    this.now = opts.now ?? Date.now;
    this.position = new HorizonPositionTracker(opts.position);
  }

  /** Events handed on since start. */
  get delivered(): number {
    return this.count;
  }

  get currentPosition(): HorizonPosition | undefined {
    return this.position.current;
  }

  start(): void {
    this.running ??= this.loop().catch((err: unknown) => {
      this.opts.onStatus({ state: "error", reason: err instanceof Error ? err.message : String(err) });
    });
  }

  /** Stop polling. Resolves within ~1.5 s (an event being handed on is not interrupted). */
  async close(): Promise<void> {
    this.stop.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((resolve) => (timer = setTimeout(resolve, 1500)))]);
    clearTimeout(timer);
  }

  private async loop(): Promise<void> {
    const signal = this.stop.signal;
    let idleStep = 0;
    let connected = false;
    this.opts.onStatus({ state: "connecting" });
    while (!signal.aborted) {
      try {
        if (this.position.current === undefined) {
          const start = await this.initialPosition(signal);
          if (signal.aborted) break;
          this.position.set(start);
          this.opts.onStart?.(start);
        }
        const r = await this.pollOnce(signal);
        if (signal.aborted) break;
        this.errorBackoff.reset();
        this.loginBackoff.reset();
        if (!connected || r.emitted > 0) this.opts.onStatus({ state: "connected", count: this.count });
        connected = true;
        if (r.more) continue;
        if (this.opts.range !== undefined) {
          this.opts.range.onEnd();
          break;
        }
        if (r.emitted > 0) {
          idleStep = 0;
          await sleep(this.pollMs, signal);
        } else {
          const wait = this.idle[Math.min(idleStep, this.idle.length - 1)] ?? 5000;
          idleStep++;
          await sleep(wait, signal);
        }
      } catch (err) {
        if (signal.aborted) break;
        const e = err instanceof HorizonError ? err : new HorizonError(err instanceof Error ? err.message : String(err), "transport");
        if (e.kind === "closed") break;
        connected = false;
        const broken = e.kind === "login" || e.kind === "auth";
        this.opts.onStatus(broken ? { state: "error", reason: e.message } : { state: "reconnecting", reason: e.message });
        await sleep(e.kind === "login" ? this.loginBackoff.next() : this.errorBackoff.next(), signal);
      }
    }
  }

  /** No stored position: just after the newest existing event (every id at its millisecond). */
  private async initialPosition(signal: AbortSignal): Promise<HorizonPosition> {
    this.requests++;
    const newest = await this.opts.client.auditEvents({ page: 1, size: 1 }, signal);
    const e = newest.events.find((x) => typeof x.time === "number" && Number.isFinite(x.time));
    if (e === undefined) {
      this.opts.log.info("no audit events yet: starting with the first one");
      return { time: 0, ids: [] };
    }
    const w = await this.fetchWindow(e.time, e.time, Infinity, signal);
    const ids = [...w.events.keys()];
    if (!ids.includes(String(e.id))) ids.push(String(e.id));
    this.opts.log.info(`starting after the newest audit event (${new Date(e.time).toISOString()}, id ${String(e.id)})`);
    return { time: e.time, ids };
  }

  /**
   * Read the window [from, to] page by page, newest first, at most `maxPages` pages
   * (`complete` false when more remain).
   */
  private async fetchWindow(from: number, to: number, maxPages: number, signal: AbortSignal): Promise<Window> {
    const w: Window = { events: new Map(), complete: false, oldest: Infinity, newest: -Infinity };
    const filter = betweenFilter(from, to);
    for (let page = 1; ; page++) {
      if (signal.aborted) throw new HorizonError("cancelled", "closed");
      this.requests++;
      const r = await this.opts.client.auditEvents({ filter, page, size: this.pageSize }, signal);
      for (const ev of r.events) {
        if (typeof ev.time !== "number" || !Number.isFinite(ev.time) || ev.id === undefined || ev.id === null) {
          this.skippedNoTime++;
          if (this.skippedNoTime === 1 || this.skippedNoTime % 1000 === 0) {
            this.opts.log.warn(`skipped ${this.skippedNoTime} audit event(s) without a numeric time or an id`);
          }
          continue;
        }
        w.events.set(String(ev.id), ev);
        if (ev.time < w.oldest) w.oldest = ev.time;
        if (ev.time > w.newest) w.newest = ev.time;
      }
      // a page shorter than asked is the last one even if the header is missing
      if (!r.hasMore || r.events.length === 0) {
        w.complete = true;
        return w;
      }
      if (page >= maxPages) return w;
    }
  }

  /**
   * One poll: returns how many events were handed on, and whether more are waiting (the window
   * was narrowed, so the next poll should come at once).
   *
   * Window search when the open window [position, now + 24 h] holds more than maxPages pages:
   * the events not fetched are all at or below the oldest one fetched (`ceil`); try
   * [lo, lo + width] with the width from the density seen; an incomplete window narrows again,
   * an empty one moves `lo` above it and doubles the width; the first window that is complete
   * and holds new events is handed on. A window whose unread rest is all at `lo` reads that
   * millisecond completely. Every turn raises `lo` or lowers `hi`, so it ends.
   */
  private async pollOnce(signal: AbortSignal): Promise<{ emitted: number; more: boolean }> {
    let lo = (this.position.current as HorizonPosition).time;
    let ceil = this.opts.range !== undefined ? Math.min(this.now() + DAY_MS, this.opts.range.until) : this.now() + DAY_MS;
    let hi = ceil;
    let width = 1;
    for (;;) {
      const w = await this.fetchWindow(lo, hi, this.maxPages, signal);
      if (w.complete) {
        const emitted = await this.handOn(w, signal);
        const more = hi < ceil;
        if (emitted > 0 || !more) return { emitted, more };
        // nothing new up to hi: look above it, wider
        lo = hi + 1;
        width *= 2;
        hi = Math.min(ceil, lo + width);
        continue;
      }
      if (w.oldest <= lo) {
        // the events beyond the pages read are all at `lo`: read that millisecond completely
        const all = await this.fetchWindow(lo, lo, Infinity, signal);
        const emitted = await this.handOn(all, signal);
        if (emitted > 0) return { emitted, more: true };
        // nothing new at `lo` (all passed before): the rest is in [lo + 1, hi]
        if (lo < hi) {
          lo++;
          continue;
        }
        if (hi >= ceil) return { emitted: 0, more: false };
        lo = hi + 1;
        width *= 2;
        hi = Math.min(ceil, lo + width);
        continue;
      }
      ceil = Math.min(ceil, w.oldest);
      const span = Math.max(1, w.newest - w.oldest);
      width = Math.max(1, Math.floor(((this.pageSize * this.maxPages) / 2) * (span / Math.max(1, w.events.size))));
      hi = Math.max(lo, Math.min(w.oldest - 1, lo + width));
    }
  }

  private async handOn(w: Window, signal: AbortSignal): Promise<number> {
    const pos = this.position.current as HorizonPosition;
    const seenAtPos = new Set(pos.ids);
    const fresh: { ev: AuditEvent; id: string }[] = [];
    for (const [id, ev] of w.events) {
      if (ev.time < pos.time) continue;
      if (ev.time === pos.time && seenAtPos.has(id)) continue;
      fresh.push({ ev, id });
    }
    fresh.sort((a, b) => a.ev.time - b.ev.time || compareIds(a.id, b.id));
    let n = 0;
    for (const { ev, id } of fresh) {
      if (signal.aborted) break;
      try {
        const r = this.opts.onEvent(ev, id);
        if (r !== undefined) await r;
      } catch (err) {
        this.opts.log.warn(`audit event ${id} could not be handed on: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.count++;
      n++;
      const p = this.position.advance({ id, time: ev.time });
      this.opts.onPosition?.(p);
    }
    return n;
  }
}
