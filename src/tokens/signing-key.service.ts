import { Inject, Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { AuditRepository } from '../audit/audit.repository';
import { DomainError } from '../common/errors/domain-error';
import { CHANGE_BUS, type ChangeBus } from '../common/fleet/change-bus';
import { rootLogger } from '../common/logging/logger';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ReadinessRegistry } from '../health/readiness.registry';
import type { Actor } from '../identity/users/users.service';
import {
  exportPrivateKey,
  generateSigningKey,
  importPrivateKey,
  publicJwkOf,
  type PublicSigningJwk,
} from './rsa-key.util';
import { SigningKeyCipher, SigningKeyDecryptionError } from './signing-key.cipher';
import {
  planRotation,
  type RotationOptions,
  type RotationResult,
  type SigningKeyView,
  byAge,
  isPublished,
  maySign,
  publicMembers,
  publishedUntil,
  type KeyState,
} from './signing-key-lifecycle';
import { resolveSigningKeySecret } from './signing-key-secret';
import { SigningKeyRecord, SigningKeysRepository } from './signing-keys.repository';
import {
  RETIRED_KEY_PUBLISHED_MS,
  TOKENS_TUNING,
  tuningWith,
  type TokensTuning,
} from './tokens.tokens';

export interface ActiveSigningKey {
  kid: string;
  privateKey: KeyObject;
}

export type { RotationOptions, RotationResult, SigningKeyView } from './signing-key-lifecycle';

/**
 * The RS256 keys: loaded from `signing_keys` at start (the first one is created when there is
 * none), held in memory so signing never touches the database, re-read every
 * `keyRefreshIntervalMs` so rotations made by another instance are picked up.
 */
@Injectable()
export class SigningKeyService implements OnModuleInit, OnModuleDestroy {
  private readonly log = rootLogger.child({ component: 'signing-keys' });
  private readonly tuning: TokensTuning;
  private cipher?: SigningKeyCipher;
  /** Oldest first. */
  private keys: KeyState[] = [];
  private loadedAt = Number.NEGATIVE_INFINITY;
  private refreshing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private readonly reportedUndecryptable = new Set<string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: SigningKeysRepository,
    private readonly audit: AuditRepository,
    @Optional() @Inject(TOKENS_TUNING) tuning?: Partial<TokensTuning>,
    @Optional() private readonly readiness?: ReadinessRegistry,
    @Optional() @Inject(CHANGE_BUS) private readonly bus?: ChangeBus,
  ) {
    this.tuning = tuningWith(tuning);
    bus?.subscribe('signing_keys.changed', () => void this.refreshQuietly());
  }

  /** Fails the start (with a message naming the fix) when the keys cannot be decrypted. */
  async onModuleInit(): Promise<void> {
    const secret = resolveSigningKeySecret(this.config, (msg, extra) => this.log.warn(extra, msg));
    if (secret.generated) this.log.info({ file: secret.source }, 'generated the secret file');
    this.cipher = await SigningKeyCipher.fromSecret(secret.value, secret.source);
    await this.load(true);
    if (!this.currentSigner()) {
      const kid = await this.createFirstKey();
      await this.load(true);
      if (kid) this.log.info({ kid }, 'created the first signing key');
    }
    if (!this.currentSigner()) throw new Error('signing keys: no active key after creating one');
    await this.pruneQuietly();
    this.timer = setInterval(() => void this.refreshQuietly(), this.tuning.keyRefreshIntervalMs);
    this.timer.unref();
    this.readiness?.register('signing_keys', async () => {
      const signer = this.currentSigner();
      return { ok: signer !== undefined, detail: { active_kid: signer?.kid ?? null } };
    });
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** The key that signs now. Memory only. */
  signingKey(): ActiveSigningKey {
    const signer = this.currentSigner();
    if (!signer) {
      throw new DomainError('service_unavailable', 'No signing key is available to create a token');
    }
    return signer;
  }

  /** Currently published public keys, newest first; re-reads the table when the copy is stale. */
  async jwks(): Promise<{ keys: PublicSigningJwk[] }> {
    const age = this.tuning.now() - this.loadedAt;
    if (age > this.tuning.jwksMaxStalenessMs) await this.refreshQuietly();
    const now = this.tuning.now();
    const keys = this.keys
      .filter((k) => isPublished(k, now))
      .reverse()
      .map((k) => k.publicJwk);
    return { keys };
  }

  /** For the admin API: no key material. */
  async list(): Promise<SigningKeyView[]> {
    await this.refresh();
    const now = this.tuning.now();
    const signer = this.currentSigner();
    return [...this.keys].reverse().map((k) => ({
      kid: k.kid,
      createdAt: k.createdAt,
      retiredAt: k.retiredAt,
      publishedUntil: publishedUntil(k.retiredAt),
      active: k.kid === signer?.kid,
      published: isPublished(k, now),
    }));
  }

  /**
   * A new key is published at once and signs after the gateway's JWKS cache time (see
   * `planRotation`; at once only with `immediate`); the keys it replaces retire at that moment
   * and stay published for RETIRED_KEY_PUBLISHED_MS after it.
   */
  async rotate(actor: Actor, options: RotationOptions = {}): Promise<RotationResult> {
    const plan = planRotation(options, this.rotationPolicy(), this.tuning.now());
    const { activatesAt } = plan;
    const key = await generateSigningKey();
    const until = publishedUntil(activatesAt);
    const record = { ...this.encrypted(key), createdAt: activatesAt };
    const retired = await this.repo.rotate(record, activatesAt, async (tx, retiredKeys) => {
      await this.audit.record(
        {
          actorId: actor.id,
          actorName: actor.name,
          action: 'signing_key.rotated',
          targetType: 'signing_key',
          targetId: key.kid,
          before: { active_kid: retiredKeys.at(-1)?.kid ?? null },
          after: {
            active_kid: key.kid,
            activates_at: activatesAt,
            previous_published_until: until,
            immediate: options.immediate === true,
          },
        },
        tx,
      );
    });
    await this.refresh();
    this.bus?.publish('signing_keys.changed', {});
    await this.pruneQuietly();
    const previous = retired.at(-1);
    this.log.info(
      { kid: key.kid, previousKid: previous?.kid, actor: actor.name, ...plan },
      'signing key rotated',
    );
    return {
      ...plan,
      kid: key.kid,
      previousKid: previous?.kid ?? null,
      previousPublishedUntil: previous ? until : null,
    };
  }

  private rotationPolicy() {
    const { jwksMaxStalenessMs, jwksCacheMaxAgeSec } = this.tuning;
    return {
      gatewayJwksCacheMs: this.config.jwt.gatewayJwksCacheSec * 1000,
      publicationDelayMs: jwksMaxStalenessMs + jwksCacheMaxAgeSec * 1000,
    };
  }

  /** Re-reads the table (coalesced). Keys that cannot be decrypted are reported, not thrown. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load(false).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refreshQuietly(): Promise<void> {
    try {
      await this.refresh();
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message },
        'signing keys: refresh failed, keeping the keys in memory',
      );
    }
  }

  private async load(strict: boolean): Promise<void> {
    const rows = await this.repo.findAll();
    const known = new Map(this.keys.map((k) => [k.kid, k]));
    const now = this.tuning.now();
    this.keys = [...rows]
      .sort(byAge)
      .map((row) => this.toState(row, known.get(row.kid), strict, now));
    this.loadedAt = now;
  }

  /** Newest key whose signing period holds now and whose private key is usable. */
  private currentSigner(): ActiveSigningKey | undefined {
    const now = this.tuning.now();
    for (let i = this.keys.length - 1; i >= 0; i--) {
      const k = this.keys[i];
      if (k.privateKey && maySign(k, now)) return { kid: k.kid, privateKey: k.privateKey };
    }
    return undefined;
  }

  private toState(
    row: SigningKeyRecord,
    known: KeyState | undefined,
    strict: boolean,
    now: number,
  ): KeyState {
    const state: KeyState = {
      kid: row.kid,
      publicJwk: publicMembers(row.publicJwk, row.kid),
      createdAt: row.createdAt,
      retiredAt: row.retiredAt,
    };
    if (row.retiredAt && row.retiredAt.getTime() <= now) return state;
    if (known?.privateKey) return { ...state, privateKey: known.privateKey };
    try {
      return { ...state, privateKey: this.decrypt(row) };
    } catch (err) {
      if (strict) throw err;
      if (!this.reportedUndecryptable.has(row.kid)) {
        this.reportedUndecryptable.add(row.kid);
        this.log.error({ kid: row.kid }, (err as Error).message);
      }
      return state;
    }
  }

  private decrypt(row: SigningKeyRecord): KeyObject {
    const cipher = this.requireCipher();
    const privateKey = importPrivateKey(cipher.decrypt(row.privateKeyEnc, row.kid));
    // The private key must belong to the published public key of its row.
    if (publicJwkOf(privateKey).n !== row.publicJwk.n) {
      throw new SigningKeyDecryptionError(row.kid, cipher.secretSource);
    }
    return privateKey;
  }

  private async createFirstKey(): Promise<string | undefined> {
    const key = await generateSigningKey();
    const inserted = await this.repo.insertIfNoneActive({
      ...this.encrypted(key),
      createdAt: new Date(this.tuning.now()),
    });
    return inserted ? key.kid : undefined;
  }

  private encrypted(key: Awaited<ReturnType<typeof generateSigningKey>>) {
    const der = exportPrivateKey(key.privateKey);
    try {
      return {
        kid: key.kid,
        publicJwk: key.publicJwk,
        privateKeyEnc: this.requireCipher().encrypt(der, key.kid),
      };
    } finally {
      der.fill(0);
    }
  }

  private async pruneQuietly(): Promise<void> {
    try {
      const cutoff = new Date(this.tuning.now() - RETIRED_KEY_PUBLISHED_MS);
      const deleted = await this.repo.deleteRetiredBefore(cutoff);
      if (deleted > 0) this.log.info({ deleted }, 'deleted keys past their publication window');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'signing keys: pruning failed');
    }
  }

  private requireCipher(): SigningKeyCipher {
    if (!this.cipher) throw new Error('SigningKeyService used before onModuleInit');
    return this.cipher;
  }
}
