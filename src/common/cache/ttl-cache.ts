interface Entry<V> {
  value: V;
  storedAt: number;
  /** The `expireAll` generation it was stored in: older ones are stale-only. */
  generation: number;
}

/**
 * A bounded in-memory cache. `get` serves entries younger than `ttlMs` (bounded staleness);
 * `getStale` may serve older ones up to `retainMs`, for degraded mode when the source of truth
 * is unreachable. Memory is bounded by `maxEntries` (oldest insertions evicted first).
 * `expireAll` makes every entry stale at once without dropping it: the next `get` re-reads the
 * source, and `getStale` still has the old answer should the source be unreachable then.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
    private readonly retainMs = ttlMs,
  ) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.generation !== this.generation) return undefined;
    if (this.now() - entry.storedAt >= this.ttlMs) {
      if (this.retainMs <= this.ttlMs) this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** A value no older than `retainMs`, fresh or not (degraded mode). */
  getStale(key: K): { value: V; ageMs: number } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const ageMs = this.now() - entry.storedAt;
    return ageMs < Math.max(this.retainMs, this.ttlMs) ? { value: entry.value, ageMs } : undefined;
  }

  set(key: K, value: V): void {
    this.setAged(key, value, 0);
  }

  /** An answer that was already `ageMs` old when it arrived (e.g. another process's). */
  setAged(key: K, value: V, ageMs: number): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, storedAt: this.now() - ageMs, generation: this.generation });
  }

  /** Every entry stale from now on (re-read on the next `get`), still there for `getStale`. */
  expireAll(): void {
    this.generation++;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  deleteWhere(predicate: (value: V, key: K) => boolean): void {
    for (const [k, e] of this.entries) if (predicate(e.value, k)) this.entries.delete(k);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
