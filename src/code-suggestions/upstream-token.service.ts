import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { TtlCache } from '../common/cache/ttl-cache';
import { DomainError } from '../common/errors/domain-error';
import { rootLogger } from '../common/logging/logger';
import { MetricsService } from '../observability/metrics.service';
import { JwtIssuerService } from '../tokens/jwt-issuer.service';
import {
  CLIENT_REFRESH_MARGIN_SEC,
  MIN_CLIENT_REASK_SEC,
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
   * A direct-access token from the configured source, living `directAccess.tokenLifetimeSec`:
   * the IDE re-asks CLIENT_REFRESH_MARGIN_SEC before `expires_at`, and a re-ask after a routing
   * change gets the new answer (a 403 lets the old token run out at the gateway, so the token
   * itself must be short, not only the `expires_at` we report). A token is handed out again to the
   * same user and decision for up to TOKEN_REUSE_SEC while the client would then wait at least
   * MIN_CLIENT_REASK_SEC to re-ask. A gateway-minted token keeps its own (longer) life; we report
   * no later an `expires_at` than our lifetime from now, so a new decision still arrives in time.
   */
  async forClient(request: UserTokenRequest): Promise<UserToken> {
    const lifetimeSec = this.config.directAccess.tokenLifetimeSec;
    const key = `client|${this.source.signerId()}|${JSON.stringify(request)}`;
    const cached = this.cache.get(key);
    if (
      cached &&
      Date.now() - cached.mintedAt < TOKEN_REUSE_SEC * 1000 &&
      secondsLeft(cached) >= CLIENT_REFRESH_MARGIN_SEC + MIN_CLIENT_REASK_SEC
    )
      return reported(cached, lifetimeSec);
    const token = await this.source
      .tokenFor({ ...request, ttlSeconds: lifetimeSec })
      .catch((err: unknown) => {
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
    this.cache.set(key, { ...token, mintedAt: Date.now() });
    return reported(token, lifetimeSec);
  }
}

/** The token with the `expires_at` the client is told: never later than our lifetime from now. */
function reported(token: UserToken, lifetimeSec: number): UserToken {
  const latest = Math.floor(Date.now() / 1000) + lifetimeSec;
  return { token: token.token, expiresAt: Math.min(token.expiresAt, latest) };
}

function secondsLeft(token: UserToken): number {
  return Math.floor(token.expiresAt - Date.now() / 1000);
}
