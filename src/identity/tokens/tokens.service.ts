import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import { rootLogger } from '../../common/logging/logger';
import type { Principal, TokenAuthenticator } from '../../common/auth/principal';
import { CHANGE_BUS, type ChangeBus } from '../../common/fleet/change-bus';
import { IDENTITY_SNAPSHOTS, type IdentitySnapshots } from '../../common/fleet/identity-snapshots';
import { AuditRepository } from '../../audit/audit.repository';
import { DatabaseGuard } from '../../database/database-guard';
import { Transactions } from '../../database/transactions';
import { IdentityReadThrough } from '../identity-read-through';
import { newTokenSecret, tokenDigest } from './token-secret';
import { TokenFilter, TokenRecord, TokensRepository, TokenWithUser } from './tokens.repository';

const LAST_USED_WRITE_INTERVAL_MS = 10 * 60 * 1000;
/** Last-use times are written in one statement per this interval, not one per token. */
const LAST_USED_FLUSH_MS = 1000;

interface CachedToken {
  principal: Principal;
  revoked: boolean;
  userActive: boolean;
  userId: number;
}

export function isExpired(expiresAt: Date | null, now = new Date()): boolean {
  // GitLab: a token whose expires_at date has begun (UTC midnight) is expired.
  return expiresAt !== null && expiresAt.getTime() <= now.getTime();
}

/**
 * Resolves presented secrets to principals. Lookups are cached for TOKEN_CACHE_TTL_MS (default
 * 5 s): a revocation takes effect at once in this process, in the others when the change bus
 * tells them (else within that TTL). While the database is away, the last known answer serves
 * for DEGRADED_MAX_STALENESS_MS: this process's, or the fleet's snapshot (IdentityReadThrough).
 */
@Injectable()
export class TokensService implements TokenAuthenticator, OnModuleDestroy {
  private readonly lookups: IdentityReadThrough<CachedToken>;
  private readonly lastUsedWritten = new Map<number, number>();
  /** Tokens used since the last flush. A first request of a user cost one UPDATE each (~2.5 ms
   * of main-thread CPU on PGlite); now a second's worth of them is one UPDATE. */
  private readonly lastUsedPending = new Set<number>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: TokensRepository,
    private readonly audit: AuditRepository,
    private readonly transactions: Transactions,
    private readonly database: DatabaseGuard,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CHANGE_BUS) private readonly bus: ChangeBus,
    @Inject(IDENTITY_SNAPSHOTS) private readonly snapshots: IdentitySnapshots,
  ) {
    this.lookups = new IdentityReadThrough<CachedToken>({
      kind: 'token',
      ttlMs: config.cache.tokenTtlMs,
      maxEntries: 50_000,
      stalenessMs: config.degradedMaxStalenessMs,
      database,
      snapshots,
      userOf: (_digest, e) => e.userId,
      revive: reviveCached,
    });
    // Other processes' revocations and user changes: drop what they made stale. Notifications
    // maybe missed (Redis reconnected): drop everything, since a kept entry may be a revoked
    // token or a blocked user; degraded mode then serves the fleet's snapshots, which a change
    // mark retires (see docs/scale-out.md), instead of this process's unverifiable copy.
    bus.subscribe('token.revoked', (d) =>
      d ? this.cache.deleteWhere((e) => e.principal.token.id === d.tokenId) : this.cache.clear(),
    );
    bus.subscribe('user.changed', (d) =>
      d ? this.cache.deleteWhere((e) => e.userId === d.userId) : this.cache.clear(),
    );
  }

  private get cache() {
    return this.lookups.cache;
  }

  async authenticate(secret: string): Promise<Principal | undefined> {
    if (secret.length > 512) return undefined;
    const digest = tokenDigest(secret);
    let found;
    try {
      found = await this.lookups.read(digest, async (cached) => {
        const row = await this.database.run(() => this.repo.findByDigestWithUser(digest), cached);
        return row ? toCached(row) : undefined;
      });
    } catch (err) {
      // Database unreachable, hung past the deadline or known down, and no answer known to
      // this process or the fleet. The guard logs the outage once, not here.
      throw new DomainError('service_unavailable', 'Authentication is temporarily unavailable', {
        cause: err,
        loggedAsStateChange: this.database.isOutage(err),
      });
    }
    if (!found) return undefined;
    const entry = found.value;
    if (entry.revoked || !entry.userActive || isExpired(entry.principal.token.expiresAt)) {
      return undefined;
    }
    if (found.degraded) return { ...entry.principal, degraded: true };
    this.noteUse(entry.principal.token.id);
    return entry.principal;
  }

  async create(
    userId: number,
    input: { name: string; scopes: string[]; expiresAt: Date | null },
    actor: { id: number | null; name: string },
    secret: string = newTokenSecret(),
  ): Promise<{ token: TokenRecord; secret: string }> {
    const token = await this.transactions.run(async (tx) => {
      const created = await this.repo.create(
        { userId, ...input, tokenDigest: tokenDigest(secret) },
        tx,
      );
      await this.audit.record(
        {
          actorId: actor.id,
          actorName: actor.name,
          action: 'personal_access_token_created',
          targetType: 'PersonalAccessToken',
          targetId: String(created.id),
          after: { name: created.name, scopes: created.scopes, user_id: userId },
        },
        tx,
      );
      return created;
    });
    return { token, secret };
  }

  async revoke(id: number, principal: Principal): Promise<void> {
    const token = await this.repo.findById(id);
    if (!token || (token.userId !== principal.user.id && !principal.user.admin)) {
      throw DomainError.notFound('Personal Access Token');
    }
    await this.transactions.run(async (tx) => {
      if (!token.revoked) await this.repo.revoke(id, tx);
      await this.audit.record(
        {
          actorId: principal.user.id,
          actorName: principal.user.username,
          action: 'personal_access_token_revoked',
          targetType: 'PersonalAccessToken',
          targetId: String(id),
          before: { revoked: token.revoked },
          after: { revoked: true },
        },
        tx,
      );
    });
    this.cache.deleteWhere((e) => e.principal.token.id === id);
    this.snapshots.userChanged(token.userId);
    this.bus.publish('token.revoked', { tokenId: id });
  }

  /** One token: administrators read any, other users only their own (404 otherwise). */
  async get(id: number, principal: Principal): Promise<TokenRecord> {
    const token = await this.repo.findById(id);
    if (!token || (token.userId !== principal.user.id && !principal.user.admin)) {
      throw DomainError.notFound('Personal Access Token');
    }
    return token;
  }

  /**
   * GitLab's rotate: a new token with the same name, scopes and user, expiring `expiresAt` (one
   * week from today by default); the old one is revoked in the same transaction. A revoked or
   * expired token cannot be rotated (400).
   */
  async rotate(
    id: number,
    principal: Principal,
    expiresAt: Date | undefined,
  ): Promise<{ token: TokenRecord; secret: string }> {
    const old = await this.get(id, principal);
    if (old.revoked) throw DomainError.invalid('token', 'is already revoked');
    if (isExpired(old.expiresAt)) throw DomainError.invalid('token', 'has already expired');
    const expires = expiresAt ?? weekFromToday();
    const secret = newTokenSecret();
    const actor = { id: principal.user.id, name: principal.user.username };
    const token = await this.transactions.run(async (tx) => {
      await this.repo.revoke(id, tx);
      const data = { userId: old.userId, name: old.name, scopes: old.scopes };
      const created = await this.repo.create(
        { ...data, expiresAt: expires, tokenDigest: tokenDigest(secret) },
        tx,
      );
      await this.audit.recordChange(tx, actor, {
        targetType: 'PersonalAccessToken',
        action: 'personal_access_token_rotated',
        id,
        before: { revoked: false },
        after: { revoked: true, new_token_id: created.id, expires_at: expires },
      });
      return created;
    });
    this.cache.deleteWhere((e) => e.principal.token.id === id);
    this.snapshots.userChanged(old.userId);
    this.bus.publish('token.revoked', { tokenId: id });
    return { token, secret };
  }

  /** Administrators list anyone's tokens; other users only their own (another user_id is a 403). */
  findPage(
    filter: TokenFilter,
    page: { skip: number; take: number },
    principal: Principal,
  ): Promise<{ items: TokenRecord[]; total: number }> {
    if (!principal.user.admin) {
      if (filter.userId !== undefined && filter.userId !== principal.user.id) {
        throw DomainError.forbidden('only administrators list the tokens of other users');
      }
      filter = { ...filter, userId: principal.user.id };
    }
    return this.repo.findPage(filter, page);
  }

  findById(id: number): Promise<TokenRecord | null> {
    return this.repo.findById(id);
  }

  /** Drop cached principals of a user whose admin flag or state changed (in every process). */
  forgetUser(userId: number): void {
    this.cache.deleteWhere((e) => e.userId === userId);
    this.snapshots.userChanged(userId);
    this.bus.publish('user.changed', { userId });
  }

  private noteUse(tokenId: number): void {
    const now = Date.now();
    const last = this.lastUsedWritten.get(tokenId) ?? 0;
    if (now - last < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUsedWritten.set(tokenId, now);
    if (this.lastUsedWritten.size > 100_000) this.lastUsedWritten.clear();
    this.lastUsedPending.add(tokenId);
    this.flushTimer ??= setTimeout(() => void this.flushLastUsed(), LAST_USED_FLUSH_MS).unref();
  }

  /** Writes the pending last-use times (also on shutdown, so none is lost). */
  flushLastUsed(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const ids = [...this.lastUsedPending];
    this.lastUsedPending.clear();
    if (ids.length === 0) return this.flushing;
    this.flushing = this.flushing
      .then(() => this.database.run(() => this.repo.touchLastUsed(ids, new Date())))
      .catch((err: unknown) => {
        // The database away is logged by the guard as state changes: no line per flush.
        if (!this.database.isOutage(err))
          rootLogger.warn({ err, tokens: ids.length }, 'could not record token last use');
      });
    return this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    await this.flushLastUsed();
  }
}

function weekFromToday(now = new Date()): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today + 7 * 24 * 3600 * 1000);
}

/** A snapshot's JSON back to an entry (the expiry date was a string). */
function reviveCached(json: unknown): CachedToken {
  const e = json as CachedToken;
  const expiresAt = e.principal.token.expiresAt as unknown as string | null;
  const token = {
    ...e.principal.token,
    expiresAt: expiresAt === null ? null : new Date(expiresAt),
  };
  return { ...e, principal: { ...e.principal, token } };
}

function toCached(row: TokenWithUser): CachedToken {
  return {
    revoked: row.revoked,
    userActive: row.user.state === 'active',
    userId: row.user.id,
    principal: {
      user: {
        id: row.user.id,
        username: row.user.username,
        name: row.user.name,
        admin: row.user.admin,
        globalUserId: row.user.globalUserId,
      },
      token: { id: row.id, name: row.name, scopes: row.scopes, expiresAt: row.expiresAt },
    },
  };
}
