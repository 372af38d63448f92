/**
 * Counts calls in flight per lane and refuses a call when its lane is full, without queueing:
 * a waiting queue is what let one hung model delay the others, and a refusal the caller can fail
 * over from beats a wait that ends in the same 503 a minute later.
 */
export class Bulkhead {
  private readonly counts = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  /** A release function (idempotent) when the lane has room, else undefined. */
  tryAcquire(lane: string): (() => void) | undefined {
    const n = this.counts.get(lane) ?? 0;
    if (n >= this.capacity) return undefined;
    this.counts.set(lane, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(lane) ?? 1) - 1;
      if (left > 0) this.counts.set(lane, left);
      else this.counts.delete(lane);
    };
  }

  count(lane: string): number {
    return this.counts.get(lane) ?? 0;
  }
}
