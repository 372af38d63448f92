import { Inject, Injectable } from '@nestjs/common';
import { TtlCache } from '../common/cache/ttl-cache';
import { DomainError } from '../common/errors/domain-error';
import { rootLogger } from '../common/logging/logger';
import { MetricsService } from '../observability/metrics.service';
import { JwtIssuerService } from '../tokens/jwt-issuer.service';
import {
  CLIENT_REFRESH_MARGIN_SEC,
  MIN_REUSABLE_LIFE_SEC,
  TOKEN_REUSE_SEC,
  USER_TOKEN_SOURCE,
} from '../tokens/tokens.tokens';
import type {
  UserToken,
  UserTokenRequest,
  UserTokenSource,
} from '../tokens/user-token-source.interface';

/** Our own (indirect) calls: a 1 h token is reused for 50 min, so >= 10 min remain. */
const OWN_CALL_REUSE_MS = 50 * 60 * 1000;

interface Minted extends UserToken {
  mintedAt: number;
}

/**
 * The one cache of upstream tokens: the ones our completions present to the gateway and the ones
 * direct access hands to the IDE. Signing (RS256) costs ~1 ms of CPU, so a token is reused per
 * user and decision. The signer's id is part of every key: after a rotation (or a staged key's
 * activation, here or on another instance) we sign with the new key at once.
 */
@Injectable()
export class UpstreamTokenService {
  private readonly cache = new TtlCache<string, Minted>(OWN_CALL_REUSE_MS, 50_000);

  constructor(
    private readonly issuer: JwtIssuerService,
    @Inject(USER_TOKEN_SOURCE) private readonly source: UserTokenSource,
    private readonly metrics: MetricsService,
  ) {}

  /** The token of our own gateway call (always self-signed: the gateway trusts our JWKS). */
  async forOwnCall(input: {
    globalUserId: string;
    instanceId: string;
    realm: UserTokenRequest['realm'];
    claimsKey: string;
    claims: () => Record<string, unknown>;
  }): Promise<string> {
    const key = `own|${this.issuer.activeKid()}|${input.globalUserId}|${input.instanceId}|${input.realm}|${input.claimsKey}`;
    const cached = this.cache.get(key);
    if (cached) return cached.token;
    // The gateway compares `sub` with X-Gitlab-Instance-Id for tokens a GitLab instance signs.
    const token = await this.issuer.issue({
      sub: input.instanceId,
      scopes: ['complete_code', 'generate_code'],
      realm: input.realm,
      instanceId: input.instanceId,
      extra: { gitlab_global_user_id: input.globalUserId, ...input.claims() },
    });
    this.cache.set(key, { ...token, mintedAt: Date.now() });
    return token.token;
  }

  /**
   * A direct-access token from the configured source, handed out again to the same user and
   * decision for up to TOKEN_REUSE_SEC while it has more than MIN_REUSABLE_LIFE_SEC left. A token
   * the client would refresh at once (CLIENT_REFRESH_MARGIN_SEC) is never handed out.
   */
  async forClient(request: UserTokenRequest): Promise<UserToken> {
    const key = `client|${this.source.signerId()}|${JSON.stringify(request)}`;
    const cached = this.cache.get(key);
    if (
      cached &&
      Date.now() - cached.mintedAt < TOKEN_REUSE_SEC * 1000 &&
      secondsLeft(cached) > MIN_REUSABLE_LIFE_SEC
    )
      return { token: cached.token, expiresAt: cached.expiresAt };
    const token = await this.source.tokenFor(request).catch((err: unknown) => {
      if (err instanceof DomainError) throw err;
      throw new DomainError('service_unavailable', 'Token creation failed', { cause: err });
    });
    this.metrics.tokenIssued();
    const left = secondsLeft(token);
    if (left <= CLIENT_REFRESH_MARGIN_SEC) {
      rootLogger.warn({ seconds_left: left }, 'direct access: new token expires too soon');
      throw new DomainError(
        'service_unavailable',
        `Token creation failed: the new token expires in ${left} s`,
      );
    }
    if (left > MIN_REUSABLE_LIFE_SEC) this.cache.set(key, { ...token, mintedAt: Date.now() });
    return token;
  }
}

function secondsLeft(token: UserToken): number {
  return Math.floor(token.expiresAt - Date.now() / 1000);
}
