/**
 * The live nodes' books, the Prometheus registry over them, and the sampler that turns their
 * totals into rates and sparkline points. The sampler runs only while a node is live (unref'd;
 * stopped when the last node's book is released), so redeploys leave no timer behind.
 */
import type { Book } from "./book";
import { SAMPLE_SECONDS } from "./rates";
import { createRegistry, type PackageRegistry } from "./registry";
import { type Stats, statsOf } from "./stats";

export interface HubOptions {
  /** epoch ms (tests) */
  now?: () => number;
  /** false: no sampler timer (tests drive sample()) */
  timer?: boolean;
}

export class MetricsHub {
  private readonly books = new Set<Book>();
  readonly prom: PackageRegistry;
  private timer: NodeJS.Timeout | undefined;
  readonly now: () => number;
  private readonly useTimer: boolean;
  private readonly startedAt: number;

  constructor(opts: HubOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.useTimer = opts.timer ?? true;
    this.startedAt = this.now();
    this.prom = createRegistry(() => this.books);
  }

  /** start counting for a node (its series appear, the sampler runs) */
  add(book: Book): void {
    this.books.add(book);
    book.rates.push(book.total());
    if (this.useTimer && this.timer === undefined) {
      this.timer = setInterval(() => this.sample(), SAMPLE_SECONDS * 1000);
      this.timer.unref();
    }
  }

  /** forget a node: its series are gone from the next scrape; the last one stops the sampler */
  remove(book: Book): void {
    if (!this.books.delete(book)) return;
    if (this.books.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** one sampler tick: every live node's running total */
  sample(): void {
    for (const b of this.books) {
      try {
        b.rates.push(b.total());
      } catch {
        // a sample is best effort
      }
    }
  }

  get size(): number {
    return this.books.size;
  }

  get sampling(): boolean {
    return this.timer !== undefined;
  }

  /** Prometheus text format */
  metrics(): Promise<string> {
    return this.prom.registry.metrics();
  }

  get contentType(): string {
    return this.prom.registry.contentType;
  }

  /** the number of series a scrape would return (tests: nothing leaks) */
  async seriesCount(): Promise<number> {
    const all = await this.prom.registry.getMetricsAsJSON();
    let n = 0;
    for (const m of all) n += (m.values ?? []).length;
    return n;
  }

  stats(): Stats {
    return statsOf(this.books, this.now(), (this.now() - this.startedAt) / 1000);
  }
}

let shared: MetricsHub | undefined;

/** the runtime's hub (one per process, as there is one Node-RED runtime per process) */
export function defaultHub(): MetricsHub {
  return (shared ??= new MetricsHub());
}
