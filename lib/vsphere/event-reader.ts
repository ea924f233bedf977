/**
 * Reads the vCenter event stream for one `vcenter-in`: an event history collector at the root
 * folder (recursion all, beginTime, eventTypeId filter), ReadNextEvents back to back while
 * events flow, and when a read comes back empty a wait on the collector's `latestPage`
 * (WaitForUpdatesEx) bounded by the back-off 1, 2, 4, 5 s, so an idle stream still delivers a
 * new event within a fraction of a second.
 *
 * Any failure drops the collector and builds a new one starting at the last delivered event:
 * the collector's server-side cursor is never trusted across an error, so a page lost in
 * transit is read again. beginTime is inclusive; events already delivered (same key, same
 * createdTime) are dropped. Keys are int32 and wrap: they are never compared for order.
 */
import { Backoff, sleep } from "../common/backoff";
import type { SourceLog, SourceStatus } from "../source/status";
import type { VsphereConnection } from "./connection";
import { eventTypeName, type VimEvent } from "./event";
import { EventPageDecoder, fetchEventPage } from "./event-page";
import { PageSlabs } from "./page-slabs";
import { VsphereError } from "./faults";
import type { VsphereSession } from "./session";
import { describe } from "./transport";
import type { MoRef } from "./vim-client";
import { minusSeconds, timeKey } from "./vim-time";
import type { VsphereCheckpoint } from "./checkpoint";
import { PositionTracker, type ReaderPosition } from "./position";

export { checkpointOf, type ReaderPosition } from "./position";


export interface EventReaderOptions {
  connection: VsphereConnection;
  /** eventTypeId filter for the collector; empty = every event */
  eventTypes: string[];
  /** oldest replay on start, seconds before vCenter's now; 0 disables replay */
  maxAgeSeconds: number;
  /** the stored checkpoint to resume from */
  checkpoint?: VsphereCheckpoint;
  /** events per ReadNextEvents, 1..1000 */
  pageSize?: number;
  /**
   * a bounded range instead of the live stream (a replay): read from `beginTime` (no checkpoint,
   * no maxAge) to `endTime`, call `onEnd` once the range is read, and stop
   */
  range?: { beginTime: string; endTime: string; onEnd(): void };
  /** waits when a read is empty, ms (default 1000, 2000, 4000, 5000) */
  idleBackoffMs?: number[];
  /** back-off after errors, ms (default 1000 doubling to 30000) */
  errorBackoffMinMs?: number;
  errorBackoffMaxMs?: number;
  /**
   * hand one event on; a returned promise pauses reading until it settles (backpressure).
   * `timeKey` is the sortable form of its createdTime.
   */
  onEvent(event: VimEvent, session: VsphereSession, timeKey: string): void | Promise<void>;
  onStatus(status: SourceStatus): void;
  /** called after every event handed on, with the new position */
  onPosition?(position: ReaderPosition): void;
  log: SourceLog;
}

const RECENT_LIMIT = 10_000;
/**
 * Consecutive failures on one session, whatever their kind, after which the reader logs in anew
 * instead of building yet another collector on it: a server may refuse a session in a way
 * nobody can classify (a NotAuthenticated fault without its type, a proxy's error page).
 */
export const FAILURES_BEFORE_NEW_LOGIN = 3;
/** collectors waiting to be destroyed once calls work again; older ones are given up */
const ORPHAN_LIMIT = 64;
const EMPTY = Buffer.alloc(0);
/** bytes of a page decoded at a time (about five events) */
const PIECE = 8 * 1024;
const DEFAULT_IDLE = [1000, 2000, 4000, 5000];

interface Collector {
  session: VsphereSession;
  ref: MoRef;
  /** private property collector watching latestPage, when the server supports it */
  watcher?: MoRef;
  version: string;
}

export class EventReader {
  private readonly stop = new AbortController();
  private running: Promise<void> | undefined;
  private collector: Collector | undefined;
  /** the last event handed on (in-process recovery starts the next collector here) */
  private readonly position: PositionTracker;
  /** key -> timeKey of recently handed-on events, for dropping replays after a new collector */
  private readonly recent = new Map<number, string>();
  /** beginTime of the first collector, reused while nothing has been delivered */
  private firstBegin: string | undefined;
  private count = 0;
  private readonly pageSize: number;
  private readonly idle: number[];
  private readonly errorBackoff: Backoff;
  /** collectors we could not destroy (transport down), retried once calls work again */
  private orphans: { session: VsphereSession; ref: MoRef }[] = [];
  /** failures in a row on `failingSession` (reset by a page read) */
  private failures = 0;
  private failingSession: VsphereSession | undefined;
  /** the bytes of the page being decoded and of the one read ahead, in reused slabs */
  private readonly slabs = new PageSlabs();

  constructor(private readonly opts: EventReaderOptions) {
    this.pageSize = Math.min(1000, Math.max(1, opts.pageSize ?? 1000));
    this.idle = opts.idleBackoffMs ?? DEFAULT_IDLE;
    this.errorBackoff = new Backoff(opts.errorBackoffMinMs ?? 1000, opts.errorBackoffMaxMs ?? 30_000);
    const cp = opts.checkpoint;
    this.position = new PositionTracker(cp);
    if (cp !== undefined) {
      const k = timeKey(cp.lastEventKeyTimestamp);
      for (const key of cp.lastEventKeys ?? [cp.lastEventKey]) this.recent.set(key, k);
    }
  }

  /** Number of events handed on since start. */
  get delivered(): number {
    return this.count;
  }

  get currentPosition(): ReaderPosition | undefined {
    return this.position.current;
  }

  start(): void {
    this.running ??= this.loop().catch((err: unknown) => {
      // the loop handles its own errors; this is a last line of defence
      this.opts.onStatus({ state: "error", reason: this.opts.connection.reasonOf(err) });
    });
  }

  /** Stop reading, destroy the collector. Resolves within ~2 s. */
  async close(): Promise<void> {
    this.stop.abort();
    await Promise.race([this.running, sleep(1500)]);
    const c = this.collector;
    this.collector = undefined;
    if (c !== undefined) await this.destroy(c, 1500);
  }

  private async loop(): Promise<void> {
    const signal = this.stop.signal;
    let idleStep = 0;
    let prefetch: Promise<Buffer[]> | undefined;
    while (!signal.aborted) {
      let session: VsphereSession | undefined;
      try {
        session = await this.opts.connection.session(signal);
        if (signal.aborted) break;
        if (this.collector === undefined || this.collector.session !== session) {
          if (this.collector !== undefined) this.forget(this.collector);
          this.opts.onStatus({ state: "connecting" });
          this.collector = await this.openCollector(session);
          this.errorBackoff.reset();
          this.opts.onStatus({ state: "connected", count: this.count });
          void this.destroyOrphans(session);
        }
        const c = this.collector;
        // While events flow, page n+1 is requested as soon as page n turns out not to be
        // empty, so vCenter prepares it while we convert page n. Pages arrive as bytes and are
        // decoded and handed on a network chunk at a time, yielding in between, so the objects
        // of an event live for a moment, not for a page.
        const chunks = await (prefetch ?? this.fetchPage(session, c, signal));
        prefetch = undefined;
        if (signal.aborted) break;
        this.failures = 0; // a page arrived: the session works
        const decoder = new EventPageDecoder((err) =>
          this.opts.log.warn(`skipped a malformed event: ${this.opts.connection.scrub(err.message)}`),
        );
        let handed = 0;
        // a slab is decoded a piece at a time (PIECE bytes, a few events): the events decoded
        // and not yet handed on then wait for the window a few at a time, not a slab's worth
        for (let i = 0, at = 0; i <= chunks.length; ) {
          let events: VimEvent[];
          if (i === chunks.length) {
            events = decoder.end();
            i++;
          } else {
            const chunk = chunks[i];
            const end = Math.min(chunk.length, at + PIECE);
            events = decoder.push(end - at === chunk.length ? chunk : chunk.subarray(at, end));
            at = end;
            if (at >= chunk.length) {
              this.slabs.release(chunk); // decoded into strings: the slab is free
              chunks[i] = EMPTY;
              i++;
              at = 0;
            }
          }
          if (events.length === 0) continue;
          if (prefetch === undefined) {
            prefetch = this.fetchPage(session, c, signal);
            prefetch.catch(() => undefined); // awaited next turn; never an unhandled rejection
          }
          handed += events.length;
          await this.handOn(events, session);
          // after a slab: let what these events started run (a flow delivers on setImmediate)
          // before more
          if (at === 0) await new Promise((resolve) => setImmediate(resolve));
          if (signal.aborted) break;
        }
        if (handed > 0) {
          idleStep = 0;
          this.opts.onStatus({ state: "connected", count: this.count });
          continue;
        }
        if (this.opts.range !== undefined) {
          // the range is read: nothing after endTime can appear in this collector
          this.opts.range.onEnd();
          break;
        }
        const waitMs = this.idle[Math.min(idleStep, this.idle.length - 1)] ?? 5000;
        idleStep++;
        await this.waitForEvents(c, waitMs, signal);
      } catch (err) {
        prefetch = undefined; // the collector is rebuilt from the position; its pages are moot
        if (signal.aborted) break;
        const e = err instanceof VsphereError ? err : new VsphereError(describe(err), "transport");
        if (e.kind === "closed") break;
        this.recover(e, session);
        this.opts.onStatus({ state: "reconnecting", reason: this.opts.connection.reasonOf(e) });
        await sleep(this.errorBackoff.next(), signal);
      }
    }
  }

  private fetchPage(session: VsphereSession, c: Collector, signal: AbortSignal): Promise<Buffer[]> {
    return fetchEventPage(session, c.ref, this.pageSize, signal, this.slabs);
  }

  /** After an error: decide what to throw away. The next turn of the loop rebuilds it. */
  private recover(e: VsphereError, session: VsphereSession | undefined): void {
    const c = this.collector;
    this.collector = undefined;
    if (session !== this.failingSession) {
      this.failingSession = session;
      this.failures = 0;
    }
    this.failures++;
    // InvalidState / LimitExceeded: vCenter's per-session collector limit (destroys failed)
    const sessionGone =
      e.kind === "session" || e.faultType === "InvalidState" || e.faultType === "LimitExceeded" || this.failures >= FAILURES_BEFORE_NEW_LOGIN;
    if (session !== undefined && sessionGone) {
      this.failures = 0;
      this.failingSession = undefined;
      this.orphans = this.orphans.filter((o) => o.session !== session);
      this.opts.connection.invalidate(session, this.opts.connection.reasonOf(e));
      return; // collectors die with their session
    }
    if (c !== undefined) this.forget(c);
  }

  /** Destroy a collector we no longer use, now if possible, later otherwise. */
  private forget(c: Collector): void {
    void this.destroy(c, 2000).then((ok) => {
      if (ok) return;
      this.orphans.push({ session: c.session, ref: c.ref });
      if (this.orphans.length > ORPHAN_LIMIT) this.orphans.shift();
    });
  }

  private async destroyOrphans(session: VsphereSession): Promise<void> {
    const mine = this.orphans.filter((o) => o.session === session);
    this.orphans = [];
    for (const o of mine) await this.destroy({ session: o.session, ref: o.ref, version: "" }, 2000);
  }

  private async destroy(c: Collector, timeoutMs: number): Promise<boolean> {
    const work = (async () => {
      if (c.watcher !== undefined) await c.session.destroyPropertyCollector(c.watcher).catch(() => undefined);
      await c.session.destroyCollector(c.ref);
    })();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([work, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), timeoutMs)))]);
      return true;
    } catch (err) {
      // a collector whose session is gone is gone too
      return err instanceof VsphereError && (err.kind === "session" || err.faultType === "ManagedObjectNotFound");
    } finally {
      clearTimeout(timer);
      work.catch(() => undefined);
    }
  }

  private async openCollector(session: VsphereSession): Promise<Collector> {
    // the first collector applies the checkpoint and maxAge rules (which may drop the position)
    const range = this.opts.range;
    if (this.firstBegin === undefined) this.firstBegin = range !== undefined ? range.beginTime : await this.initialBegin(session);
    const beginTime = this.position.current?.createdTime ?? this.firstBegin;
    const ref = await session.createEventCollector({ beginTime, endTime: range?.endTime, eventTypeIds: this.opts.eventTypes });
    const c: Collector = { session, ref, version: "" };
    try {
      c.watcher = await session.watchLatestPage(ref);
      c.version = await session.waitForUpdates(c.watcher, "", 0);
    } catch (err) {
      if (err instanceof VsphereError && (err.kind === "session" || err.kind === "transport")) {
        await this.destroy(c, 1000);
        throw err;
      }
      // no latestPage wake-up on this server: plain back-off sleeps instead
      this.opts.log.warn(`vCenter does not report latestPage changes (${this.opts.connection.reasonOf(err)}); polling with back-off`);
      c.watcher = undefined;
    }
    return c;
  }

  /** Begin time of the very first collector: checkpoint, clamped to maxAge; or vCenter's now. */
  private async initialBegin(session: VsphereSession): Promise<string> {
    const now = await session.currentTime();
    const cp = this.opts.checkpoint;
    if (cp === undefined) return now;
    const maxAge = this.opts.maxAgeSeconds;
    if (maxAge <= 0) {
      this.opts.log.info("event replay disabled (maxAge is 0): starting at vCenter's current time");
      this.position.clear();
      this.recent.clear();
      return now;
    }
    const oldest = minusSeconds(now, maxAge);
    if (timeKey(oldest) > timeKey(cp.lastEventKeyTimestamp)) {
      this.opts.log.warn(
        `potential data loss: the checkpoint (${cp.lastEventKeyTimestamp}) is older than maxAge (${maxAge} s); ` +
          `events between it and ${oldest} are not replayed`,
      );
      this.position.clear();
      this.recent.clear();
      return oldest;
    }
    return cp.lastEventKeyTimestamp;
  }

  private async handOn(events: VimEvent[], session: VsphereSession): Promise<void> {
    for (const ev of events) {
      const k = timeKey(ev.createdTime);
      if (this.recent.get(ev.key) === k) continue; // inclusive beginTime: already handed on
      try {
        const r = this.opts.onEvent(ev, session, k);
        if (r !== undefined) await r;
      } catch (err) {
        this.opts.log.warn(`event ${ev.key} could not be handed on: ${describe(err)}`);
      }
      this.advance(ev, k);
    }
  }

  private advance(ev: VimEvent, k: string): void {
    this.count++;
    const pos = this.position.advance({ key: ev.key, createdTime: ev.createdTime, timeKey: k, type: eventTypeName(ev) });
    this.recent.set(ev.key, k);
    if (this.recent.size > RECENT_LIMIT) {
      const oldest = this.recent.keys().next();
      if (oldest.done !== true) this.recent.delete(oldest.value);
    }
    this.opts.onPosition?.(pos);
  }

  private async waitForEvents(c: Collector, ms: number, signal: AbortSignal): Promise<void> {
    if (c.watcher === undefined) return sleep(ms, signal);
    c.version = await c.session.waitForUpdates(c.watcher, c.version, Math.max(1, Math.round(ms / 1000)), signal);
  }
}
