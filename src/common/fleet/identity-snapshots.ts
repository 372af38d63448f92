/**
 * What one process learnt from the database about a token, a user's seats or team membership,
 * shared with the fleet so that, while the database is away, a process that never saw the user
 * (or dropped its entry) still serves them. Keyed by the token's sha256 digest or the user id:
 * never a secret. A snapshot lives DEGRADED_MAX_STALENESS_MS from the database read that made it,
 * and none made before a change of its user (revocation, block, seat taken) is ever served again.
 */
export type SnapshotKind = 'token' | 'seats' | 'team';

export interface SharedSnapshot {
  /** The JSON the writer stored. */
  readonly json: string;
  /** Milliseconds since the database read that made it began. */
  readonly ageMs: number;
}

export interface IdentitySnapshots {
  /** The usable snapshot, or undefined (none, expired, made before a change, Redis away). Never rejects. */
  get(kind: SnapshotKind, key: string): Promise<SharedSnapshot | undefined>;
  /**
   * Stores `json`, the answer of a database read of `userId`'s identity that began at
   * `readStartedAt` (performance.now()). Fire and forget.
   */
  put(kind: SnapshotKind, key: string, userId: number, json: string, readStartedAt: number): void;
  /**
   * The user's identity changed in the database (committed): every snapshot of theirs made
   * before now stops serving. Recorded as soon as Redis answers if it does not now.
   */
  userChanged(userId: number): void;
}

export const IDENTITY_SNAPSHOTS = Symbol('IDENTITY_SNAPSHOTS');

/** Without REDIS_URL: a single process, its own cache is all there is. */
export class NoIdentitySnapshots implements IdentitySnapshots {
  get(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  put(): void {}
  userChanged(): void {}
}
