import type { Context } from 'unleash-client/lib/context';
import type { Actor } from '../../identity/users/users.service';
import type { FeatureState, FlagGates } from '../gates';

export interface StoreHealth {
  kind: 'embedded' | 'unleash';
  /** No successful sync with the source within FLAGS_STALE_AFTER_MS. */
  stale: boolean;
  lastSyncAt: Date | null;
  /**
   * When the snapshot being served was last confirmed by the source, also across a restart
   * (Unleash's backup file); lastSyncAt counts only syncs of this process.
   */
  snapshotSyncedAt?: Date | null;
  lastError?: string;
}

/**
 * Where gates live. Evaluation is in memory (a snapshot); writes go to the backend and are
 * visible to this instance at once and to others within the store's refresh interval.
 */
export interface FlagStore {
  readonly kind: 'embedded' | 'unleash';
  /** Told the flag definitions before start (Unleash creates features with their type). */
  describe?(
    defs: Iterable<{
      name: string;
      type: string;
      description: string | null;
      defaultEnabled: boolean;
    }>,
  ): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  isEnabled(name: string, context: Context, fallback: () => boolean): boolean;
  /** Current state from the snapshot (not persisted → default applies). */
  state(name: string): FeatureState;
  states(): FeatureState[];
  /**
   * Read-modify-write of a flag's gates against the backend's current state (not the snapshot),
   * with an audit event; a failure leaves no half-applied change.
   */
  update(
    name: string,
    change: (before: FlagGates) => FlagGates,
    actor: Actor,
    options?: WriteOptions,
  ): Promise<FeatureState>;
  /** Forget a flag entirely (back to its default). */
  remove(name: string, actor: Actor, options?: WriteOptions): Promise<void>;
  health(): StoreHealth;
}

/** What a Features API write says beyond the gate change. */
export interface WriteOptions {
  /**
   * The change means "off for everyone" (Flipper's boolean disable). In Unleash the environment
   * is switched off, so strategies made there stop applying without being removed.
   */
  offForEveryone?: boolean;
  /**
   * Remove the Unleash-native strategies too (Features API `discard_unleash_strategies=true`);
   * without it a write keeps them, or is refused (409) where keeping them is impossible.
   */
  discardUnleashStrategies?: boolean;
  /** The flag has no YAML definition and the admin passed `force=true`: audited as such. */
  force?: boolean;
}

export const FLAG_STORE = Symbol('FLAG_STORE');

/** Stale when no successful sync happened within `staleAfterMs`. */
export function storeHealth(
  kind: StoreHealth['kind'],
  lastSyncAt: Date | null,
  staleAfterMs: number,
  lastError?: string,
): StoreHealth {
  const age = lastSyncAt ? Date.now() - lastSyncAt.getTime() : Infinity;
  return { kind, stale: age > staleAfterMs, lastSyncAt, lastError };
}
