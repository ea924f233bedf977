/**
 * Rates and a sparkline history from a running total sampled once per tick (lib/metrics/hub.ts
 * drives the ticks): a ring of the last samples, no allocation per event.
 */

/** one sample per second, five minutes kept (plus the sample the oldest difference starts at) */
export const SAMPLE_SECONDS = 1;
export const HISTORY_POINT_SECONDS = 5;
export const HISTORY_POINTS = 60;
const RING = HISTORY_POINTS * HISTORY_POINT_SECONDS + 1;

export class RateRing {
  private readonly ring = new Float64Array(RING);
  private head = -1;
  private filled = 0;

  /** record the total at this tick */
  push(total: number): void {
    this.head = (this.head + 1) % RING;
    this.ring[this.head] = total;
    if (this.filled < RING) this.filled++;
  }

  private ago(ticks: number): number {
    return this.ring[(this.head - ticks + RING * 2) % RING];
  }

  /** per second over the last `seconds` (or over what has been sampled so far); 0 before two samples */
  rate(seconds: number): number {
    const ticks = Math.min(Math.round(seconds / SAMPLE_SECONDS), this.filled - 1);
    if (ticks <= 0) return 0;
    return (this.ago(0) - this.ago(ticks)) / (ticks * SAMPLE_SECONDS);
  }

  /** per second for each HISTORY_POINT_SECONDS step, oldest first; steps not sampled yet are left out */
  history(): number[] {
    const step = HISTORY_POINT_SECONDS / SAMPLE_SECONDS;
    const out: number[] = [];
    for (let i = HISTORY_POINTS - 1; i >= 0; i--) {
      const newer = i * step;
      const older = newer + step;
      if (older > this.filled - 1) continue;
      out.push((this.ago(newer) - this.ago(older)) / HISTORY_POINT_SECONDS);
    }
    return out;
  }
}
