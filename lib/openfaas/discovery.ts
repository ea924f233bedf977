/**
 * Function discovery: builds the topic map from the gateway at start and then every
 * `intervalMs` (default 10 s, as the VMware Event Router and the vcenter-connector). When a
 * refresh fails the last good map stays in use (state `stale`); while there has never been a
 * map, look-ups are retried sooner (1 s, 2 s, 4 s ... up to the interval).
 */
import type { GatewayClient } from "./gateway";
import type { TopicMap, TopicMapDiff } from "./topics";

export const DEFAULT_REFRESH_INTERVAL_MS = 10_000;
export const DEFAULT_INITIAL_RETRY_MS = 1_000;

export type DiscoveryState =
  /** the first look-up is running */
  | { state: "pending" }
  /** the map is current */
  | { state: "ready"; functions: number; subscribers: number; topics: number }
  /** the last refresh failed; the last good map is in use */
  | { state: "stale"; reason: string; functions: number; subscribers: number; topics: number }
  /** there has never been a map */
  | { state: "failed"; reason: string };

export interface RefreshReport {
  ok: boolean;
  /** the failure, when !ok */
  reason?: string;
  /** what changed, when ok */
  diff?: TopicMapDiff;
  /** true for the first successful look-up */
  first?: boolean;
}

export interface FunctionDiscoveryOptions {
  client: GatewayClient;
  intervalMs?: number;
  initialRetryMs?: number;
  /** every state change */
  onState?: (state: DiscoveryState) => void;
  /** after every look-up */
  onRefresh?: (report: RefreshReport) => void;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class FunctionDiscovery {
  private readonly client: GatewayClient;
  readonly intervalMs: number;
  private readonly initialRetryMs: number;
  private readonly onState: ((state: DiscoveryState) => void) | undefined;
  private readonly onRefresh: ((report: RefreshReport) => void) | undefined;
  private current: TopicMap | undefined;
  private stateValue: DiscoveryState = { state: "pending" };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failuresInARow = 0;
  /** aborts the look-up in flight (a fresh one per look-up: no listeners pile up on a shared signal) */
  private inflight: AbortController | undefined;
  private isClosed = false;
  private started = false;

  constructor(options: FunctionDiscoveryOptions) {
    this.client = options.client;
    const iv = options.intervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
    this.intervalMs = Number.isFinite(iv) && iv >= 10 ? iv : DEFAULT_REFRESH_INTERVAL_MS;
    const ir = options.initialRetryMs ?? DEFAULT_INITIAL_RETRY_MS;
    this.initialRetryMs = Number.isFinite(ir) && ir >= 1 ? Math.min(ir, this.intervalMs) : DEFAULT_INITIAL_RETRY_MS;
    this.onState = options.onState;
    this.onRefresh = options.onRefresh;
  }

  /** The current topic map (the last good one), or undefined before the first success. */
  get map(): TopicMap | undefined {
    return this.current;
  }

  get state(): DiscoveryState {
    return this.stateValue;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** First look-up now, then periodic refreshes. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.refresh();
  }

  /** Look up now (joins a look-up already running). Never rejects. */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) return this.running;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.running = this.lookUp().finally(() => {
      this.running = undefined;
      this.schedule();
    });
    return this.running;
  }

  private async lookUp(): Promise<void> {
    let map: TopicMap;
    const abort = new AbortController();
    this.inflight = abort;
    try {
      map = await this.client.discover(abort.signal);
    } catch (err) {
      if (this.closed) return;
      this.failuresInARow++;
      const reason = errorText(err);
      const m = this.current;
      this.setState(
        m === undefined
          ? { state: "failed", reason }
          : { state: "stale", reason, functions: m.functions.length, subscribers: m.subscribers, topics: m.topics.length },
      );
      this.report({ ok: false, reason });
      return;
    } finally {
      this.inflight = undefined;
    }
    if (this.closed) return;
    this.failuresInARow = 0;
    const previous = this.current;
    this.current = map;
    this.setState({ state: "ready", functions: map.functions.length, subscribers: map.subscribers, topics: map.topics.length });
    this.report({ ok: true, diff: map.diff(previous), first: previous === undefined });
  }

  private schedule(): void {
    if (this.closed) return;
    let delay = this.intervalMs;
    if (this.current === undefined && this.failuresInARow > 0) {
      delay = Math.min(this.intervalMs, this.initialRetryMs * Math.pow(2, Math.min(20, this.failuresInARow - 1)));
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, delay);
  }

  private setState(s: DiscoveryState): void {
    const prev = this.stateValue;
    this.stateValue = s;
    if (JSON.stringify(prev) === JSON.stringify(s)) return;
    try {
      this.onState?.(s);
    } catch {
      // a listener's bug must not stop discovery
    }
  }

  private report(r: RefreshReport): void {
    try {
      this.onRefresh?.(r);
    } catch {
      // as above
    }
  }

  /** Stop refreshing and abort a look-up in flight. */
  close(): void {
    if (this.closed) return;
    this.isClosed = true;
    this.inflight?.abort();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
