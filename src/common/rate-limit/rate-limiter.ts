/**
 * Fixed-window counters per key, in memory (like GitLab's ApplicationRateLimiter, per instance).
 * Bounded: windows that ended are swept as new ones open.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private lastSweep = 0;

  constructor(
    private readonly limit: number,
    private readonly periodMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one hit; returns undefined when allowed, else the seconds until the window resets. */
  hit(key: string): number | undefined {
    const now = this.now();
    this.sweep(now);
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.periodMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    if (w.count <= this.limit) return undefined;
    return Math.max(1, Math.ceil((w.start + this.periodMs - now) / 1000));
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.periodMs) return;
    this.lastSweep = now;
    for (const [k, w] of this.windows) if (now - w.start >= this.periodMs) this.windows.delete(k);
  }
}
