import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { DomainError } from '../common/errors/domain-error';
import { rootLogger } from '../common/logging/logger';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { SigningKeyService } from './signing-key.service';
import {
  MAX_TOKEN_LIFETIME_SEC,
  TOKENS_TUNING,
  tuningWith,
  type TokensTuning,
} from './tokens.tokens';
import type { GitlabRealm } from './user-token-source.interface';

export interface TokenClaims {
  sub: string;
  scopes: string[];
  realm: GitlabRealm;
  instanceId: string;
  /** Routing-decision claims (model_provider, model_name, feature_flags, ...). */
  extra?: Record<string, unknown>;
  /** Default and maximum 3600. */
  ttlSeconds?: number;
}

export interface IssuedToken {
  token: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/** `nbf` lies this far before `iat`, so a verifier whose clock is slightly behind accepts it. */
export const NOT_BEFORE_LEEWAY_SEC = 5;

/**
 * Signs RS256 JWTs for the AI Gateway with jose (the issue asks for it). jose's Node build signs
 * with the promisified `crypto.sign`, i.e. on the libuv thread pool, so signing uses every core
 * and never blocks the event loop; the key is an in-memory KeyObject (no database access here).
 */
@Injectable()
export class JwtIssuerService {
  private readonly tuning: TokensTuning;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: SigningKeyService,
    @Optional() @Inject(TOKENS_TUNING) tuning?: Partial<TokensTuning>,
  ) {
    this.tuning = tuningWith(tuning);
  }

  async issue(claims: TokenClaims): Promise<IssuedToken> {
    const key = this.keys.signingKey();
    const now = Math.floor(this.tuning.now() / 1000);
    const expiresAt = now + lifetimeOf(claims.ttlSeconds);
    // Registered and identity claims are set last: `extra` cannot override them.
    const payload = {
      ...claims.extra,
      iss: this.config.http.publicUrl,
      aud: this.config.jwt.audience,
      sub: claims.sub,
      iat: now,
      nbf: now - NOT_BEFORE_LEEWAY_SEC,
      exp: expiresAt,
      jti: randomUUID(),
      gitlab_realm: claims.realm,
      gitlab_instance_id: claims.instanceId,
      // Self-managed: the gateway attributes usage (billing and internal events) to this claim.
      ...(claims.realm === 'self-managed' ? { gitlab_instance_uid: claims.instanceId } : {}),
      scopes: claims.scopes,
    };
    try {
      const token = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
        .sign(key.privateKey);
      return { token, expiresAt };
    } catch (err) {
      rootLogger.error({ err: (err as Error).message, kid: key.kid }, 'token signing failed');
      throw new DomainError('service_unavailable', 'Could not create a token for the AI Gateway', {
        cause: err,
      });
    }
  }

  /** The kid that signs now: a cached token signed by another kid must not be reused. */
  activeKid(): string {
    return this.keys.signingKey().kid;
  }
}

/** Whole seconds in [1, MAX_TOKEN_LIFETIME_SEC]; absent → the maximum. */
export function lifetimeOf(ttlSeconds: number | undefined): number {
  if (ttlSeconds === undefined || !Number.isFinite(ttlSeconds)) return MAX_TOKEN_LIFETIME_SEC;
  return Math.min(MAX_TOKEN_LIFETIME_SEC, Math.max(1, Math.floor(ttlSeconds)));
}
