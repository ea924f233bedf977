/**
 * Calls `fn` at most once per `intervalMs`: the first request at once, later ones at the end
 * of the interval (so the last state is always shown). Status updates of sources and sinks go
 * through it: thousands of events per second must not become thousands of status messages.
 */
export class Throttle {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private closed = false;

  constructor(
    private readonly intervalMs: number,
    private readonly fn: () => void,
  ) {}

  request(): void {
    if (this.closed || this.timer !== undefined) return;
    const wait = this.last + this.intervalMs - Date.now();
    if (wait <= 0) {
      this.run();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  /** Show now (state changes that must not wait). */
  now(): void {
    if (this.closed) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.run();
  }

  private run(): void {
    if (this.closed) return;
    this.last = Date.now();
    try {
      this.fn();
    } catch {
      // status display must never break delivery
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
