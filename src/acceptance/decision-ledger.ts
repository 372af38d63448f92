import type { ServedPath } from '../code-suggestions/served-decisions';
import type { ServedAttribution } from './acceptance.types';

/** One decision a user was served, as long as it stays the same. */
export interface LedgerEntry extends ServedAttribution {
  path: ServedPath;
  /** When this model/arm/gate started serving the user on this path. */
  sinceMs: number;
  /** When it last served (this process only; a remote entry keeps its `sinceMs`). */
  lastMs: number;
  /** When the gate was last asked (beta arms: the gate may change while the arm stays). */
  gateCheckedMs: number;
  /** This process served it (not adopted from another process). */
  own: boolean;
}

/** How long a beta arm's gate is trusted before the flag is explained again. */
export const GATE_RECHECK_MS = 30_000;
/** Per user: one entry per path × model, the most recent few. */
const MAX_ENTRIES_PER_USER = 6;

/**
 * The latest decision(s) served to each user, in memory (bounded: the least recently changed
 * users are dropped first). `note` is on the typing path: no I/O, a Map lookup, and an answer
 * saying whether the entry changed (the caller then tells the fleet, once).
 */
export class DecisionLedger {
  private readonly users = new Map<number, LedgerEntry[]>();

  constructor(private readonly maxUsers = 100_000) {}

  /** The entry of this path and model, if any (to decide whether the gate must be asked again). */
  current(userId: number, path: ServedPath, model: string): LedgerEntry | undefined {
    return this.users.get(userId)?.find((e) => e.path === path && e.model === model);
  }

  /** Records that `served` served the user now; true when model, arm or gate changed. */
  note(userId: number, path: ServedPath, served: ServedAttribution, nowMs: number): boolean {
    const cur = this.current(userId, path, served.model);
    if (cur && cur.arm === served.arm && cur.gate === served.gate) {
      cur.lastMs = nowMs;
      cur.gateCheckedMs = nowMs;
      return false;
    }
    this.put(userId, {
      ...served,
      path,
      sinceMs: nowMs,
      lastMs: nowMs,
      gateCheckedMs: nowMs,
      own: true,
    });
    return true;
  }

  /** Only the time: the same model and arm served again within the gate's recheck window. */
  touch(entry: LedgerEntry, nowMs: number): void {
    entry.lastMs = nowMs;
  }

  /** A change another process saw (the change bus). */
  adopt(userId: number, entry: Omit<LedgerEntry, 'lastMs' | 'gateCheckedMs' | 'own'>): void {
    const cur = this.current(userId, entry.path, entry.model);
    if (cur && cur.sinceMs > entry.sinceMs) return; // ours is newer
    const { path, model, arm, gate, sinceMs } = entry;
    this.put(userId, {
      path,
      model,
      arm,
      gate,
      sinceMs,
      lastMs: sinceMs,
      gateCheckedMs: sinceMs,
      own: false,
    });
  }

  /** The entries this process served since `sinceMs` (to tell the fleet again after an outage). */
  *own(sinceMs: number): Generator<{ userId: number; entry: LedgerEntry }> {
    for (const [userId, list] of this.users)
      for (const entry of list) if (entry.own && entry.lastMs >= sinceMs) yield { userId, entry };
  }

  /**
   * The decision behind an event: among the user's entries for one of `models` (any model when
   * undefined), the one that served last.
   */
  lookup(userId: number, models?: ReadonlySet<string>): LedgerEntry | undefined {
    let best: LedgerEntry | undefined;
    for (const e of this.users.get(userId) ?? []) {
      if (models && !models.has(e.model)) continue;
      if (!best || e.lastMs > best.lastMs) best = e;
    }
    return best;
  }

  get size(): number {
    return this.users.size;
  }

  private put(userId: number, entry: LedgerEntry): void {
    const list = (this.users.get(userId) ?? []).filter(
      (e) => !(e.path === entry.path && e.model === entry.model),
    );
    list.unshift(entry);
    if (list.length > MAX_ENTRIES_PER_USER) list.length = MAX_ENTRIES_PER_USER;
    this.users.delete(userId); // re-inserted last: the map's order is the order of change
    this.users.set(userId, list);
    if (this.users.size > this.maxUsers) {
      const oldest = this.users.keys().next().value;
      if (oldest !== undefined) this.users.delete(oldest);
    }
  }
}
