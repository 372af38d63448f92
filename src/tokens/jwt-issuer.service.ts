import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomUUID, sign, type KeyObject } from 'node:crypto';
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
 * Signs RS256 JWTs for the AI Gateway. The signature is computed with node:crypto on the libuv
 * thread pool (the asynchronous form of `crypto.sign`), so signing uses every core and never
 * blocks the event loop; the key is an in-memory KeyObject (no database access here).
 */
@Injectable()
export class JwtIssuerService {
  private readonly tuning: TokensTuning;
  private readonly headers = new Map<string, string>();

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
      scopes: claims.scopes,
    };
    const signingInput = `${this.headerFor(key.kid)}.${base64url(JSON.stringify(payload))}`;
    try {
      const signature = await rs256(signingInput, key.privateKey);
      return { token: `${signingInput}.${signature}`, expiresAt };
    } catch (err) {
      rootLogger.error({ err: (err as Error).message, kid: key.kid }, 'token signing failed');
      throw new DomainError('service_unavailable', 'Could not create a token for the AI Gateway', {
        cause: err,
      });
    }
  }

  private headerFor(kid: string): string {
    let header = this.headers.get(kid);
    if (!header) {
      header = base64url(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' }));
      if (this.headers.size > 16) this.headers.clear();
      this.headers.set(kid, header);
    }
    return header;
  }
}

/** Whole seconds in [1, MAX_TOKEN_LIFETIME_SEC]; absent → the maximum. */
export function lifetimeOf(ttlSeconds: number | undefined): number {
  if (ttlSeconds === undefined || !Number.isFinite(ttlSeconds)) return MAX_TOKEN_LIFETIME_SEC;
  return Math.min(MAX_TOKEN_LIFETIME_SEC, Math.max(1, Math.floor(ttlSeconds)));
}

function rs256(input: string, key: KeyObject): Promise<string> {
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(input), key, (err, signature) =>
      err ? reject(err) : resolve(signature.toString('base64url')),
    );
  });
}

function base64url(json: string): string {
  return Buffer.from(json).toString('base64url');
}
