import { TtlCache } from '../common/cache/ttl-cache';
import type { IdentitySnapshots, SnapshotKind } from '../common/fleet/identity-snapshots';
import type { DatabaseGuard } from '../database/database-guard';

export interface IdentityReadOptions<V> {
  kind: SnapshotKind;
  /** Fresh for this long (TOKEN_CACHE_TTL_MS, SEAT_CACHE_TTL_MS). */
  ttlMs: number;
  maxEntries: number;
  /** DEGRADED_MAX_STALENESS_MS: how long an answer may serve while the database is away. */
  stalenessMs: number;
  database: DatabaseGuard;
  snapshots: IdentitySnapshots;
  /** Whose identity the answer is (a change of that user retires its snapshots). */
  userOf(key: string, value: V): number;
  /** JSON back to the value (dates, …). */
  revive(json: unknown): V;
}

export interface IdentityRead<V> {
  value: V;
  /** Served from an older answer because the database did not give one (degraded mode). */
  degraded: boolean;
}

/**
 * One identity lookup on the request path: this process's fresh entry, else the database
 * (under the guard), else, the database away, the last known answer: this process's own or,
 * when it has none, the fleet's snapshot (another process read it within the staleness window).
 * A database answer is shared when the fleet's copy is missing, differs, or is a tenth of the
 * window old: not on every read, and a user in use always has a recent one.
 */
export class IdentityReadThrough<V> {
  readonly cache: TtlCache<string, V>;
  private readonly refreshMs: number;

  constructor(private readonly o: IdentityReadOptions<V>) {
    this.cache = new TtlCache(o.ttlMs, o.maxEntries, Date.now, o.stalenessMs);
    this.refreshMs = o.stalenessMs / 10;
  }

  /**
   * `load(cached)` reads the database through the guard (`cached`: there is an answer to serve
   * instead, so it may take the deadline); undefined: the database has none (not cached).
   * Throws load's error when the database is away and nothing may serve.
   */
  async read(
    key: string,
    load: (cached: boolean) => Promise<V | undefined>,
  ): Promise<IdentityRead<V> | undefined> {
    const fresh = this.cache.get(key);
    if (fresh !== undefined) return { value: fresh, degraded: false };
    const local = this.cache.getStale(key);
    // Known down with an answer of our own: no round trip to Redis on every degraded request.
    const shared =
      local && this.o.database.down ? undefined : await this.o.snapshots.get(this.o.kind, key);
    const started = performance.now();
    let value: V | undefined;
    try {
      value = await load(local !== undefined || shared !== undefined);
    } catch (err) {
      if (local) return { value: local.value, degraded: true };
      if (!shared) throw err;
      const adopted = this.o.revive(JSON.parse(shared.json));
      // stale at once, so every request still tries the database (at the guard's pace) first
      this.cache.setAged(key, adopted, Math.max(shared.ageMs, this.o.ttlMs));
      return { value: adopted, degraded: true };
    }
    if (value === undefined) return undefined;
    this.cache.set(key, value);
    const json = JSON.stringify(value);
    if (!shared || shared.json !== json || shared.ageMs > this.refreshMs) {
      this.o.snapshots.put(this.o.kind, key, this.o.userOf(key, value), json, started);
    }
    return { value, degraded: false };
  }
}
