/**
 * A global retry budget (as in Finagle/Envoy): retries may add at most `ratio` of recent
 * requests plus `minPerSecond`, so retries cannot multiply an outage.
 */
export class RetryBudget {
  private windowStart: number;
  private requests = 0;
  private retries = 0;

  constructor(
    private readonly ratio = 0.1,
    private readonly minPerSecond = 3,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  recordRequest(): void {
    this.roll();
    this.requests++;
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryRetry(): boolean {
    this.roll();
    const allowed = this.requests * this.ratio + (this.minPerSecond * this.windowMs) / 1000;
    if (this.retries + 1 > allowed) return false;
    this.retries++;
    return true;
  }

  private roll(): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.requests = 0;
      this.retries = 0;
    }
  }
}
