import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { Principal } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import { rootLogger } from '../common/logging/logger';
import { RATE_LIMITERS, RateLimiter, type RateLimiters } from '../common/rate-limit/rate-limiter';
import { FlagsService } from '../flags/flags.service';
import { FlagSubjectsService } from '../flags/flag-subjects.service';
import { GATEWAY_BASE_URL, GatewayBaseUrl } from '../gateway/gateway.types';
import { identityHeaders, realmOf } from '../gateway/identity-headers';
import { SeatContext, SeatsService } from '../identity/seats/seats.service';
import { SettingsService } from '../identity/settings/settings.service';
import { MetricsService } from '../observability/metrics.service';
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
import { TtlCache } from '../common/cache/ttl-cache';
import { decisionClaims } from './completions.service';
import { RouteDeciderService } from './route-decider.service';
import { staleSources } from './stale-sources';
import { enabledFlagNames } from './upstream-headers';

export const DIRECT_DISABLED = 'Direct connections are disabled';

@Injectable()
export class DirectAccessService {
  private readonly limiter: RateLimiter;
  private readonly recent = new TtlCache<string, UserToken>(TOKEN_REUSE_SEC * 1000, 50_000);

  constructor(
    private readonly flags: FlagsService,
    private readonly subjects: FlagSubjectsService,
    private readonly seats: SeatsService,
    private readonly settings: SettingsService,
    private readonly router: RouteDeciderService,
    @Inject(USER_TOKEN_SOURCE) private readonly tokens: UserTokenSource,
    @Inject(GATEWAY_BASE_URL) private readonly baseUrl: GatewayBaseUrl,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RATE_LIMITERS) limiters: RateLimiters,
  ) {
    this.limiter = limiters.create(
      'direct_access',
      config.rateLimits.directAccessPerMinute,
      60_000,
    );
  }

  /** Kill switch 404 and seat 401 shared by every code_suggestions endpoint. */
  async gate(
    p: Principal,
  ): Promise<{ seat: SeatContext; subject: Awaited<ReturnType<FlagSubjectsService['forUser']>> }> {
    const seat = await this.seats.seatContext(p.user.id);
    const subject = await this.subjects.forUser(p.user.id, undefined, seat);
    if (!this.flags.isEnabled('ai_duo_code_suggestions_switch', subject))
      throw DomainError.notFound('');
    if (!seat.hasSeat) throw DomainError.unauthorized({ 'X-GitLab-Error-Origin': 'monolith' });
    return { seat, subject };
  }

  async issue(p: Principal) {
    const { seat, subject } = await this.gate(p);
    const settings = this.settings.current();
    const decision = this.router.decide(
      { intent: 'completion', contentAboveCursor: '', fileName: '', supportsSseStreaming: false },
      subject,
      seat,
      settings,
    );
    if (!decision.directAccess.allowed) {
      rootLogger.info(
        { user_id: p.user.id, reason: decision.directAccess.reason },
        'direct access refused',
      );
      throw DomainError.forbidden(DIRECT_DISABLED);
    }
    const retryAfter = await this.limiter.hit(`u${p.user.id}`);
    if (retryAfter !== undefined) {
      this.metrics.rateLimit('direct_access');
      throw new DomainError('rate_limited', 'direct access rate limit', {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    const request = {
      globalUserId: p.user.globalUserId,
      realm: realmOf(settings),
      instanceId: settings.instanceId,
      scopes: ['complete_code'],
      // `feature_flags` lists only the flags that are on; `deciding_flags` is every flag the
      // decision consulted with its answer, so a gateway can see why without asking again.
      extra: decisionClaims(decision),
    };
    const token = await this.tokenFor(request);
    const enabledFlags = enabledFlagNames(decision.decidingFlags);
    const answer = {
      base_url: this.baseUrl(),
      token: token.token,
      expires_at: token.expiresAt,
      headers: identityHeaders({
        user: p.user,
        settings,
        seat,
        gitlabVersion: this.config.gitlabVersion,
        enabledFlags,
      }),
      model_details: decision.model
        ? { model_provider: decision.model.provider, model_name: decision.model.name }
        : {},
    };
    return { answer, stale: staleSources(this.flags, p, seat) };
  }

  /**
   * Signing (RS256, ~1 ms of CPU) dominated this endpoint, so a token is handed out again to the
   * same user and decision for up to TOKEN_REUSE_SEC, but only while it was signed by the key
   * that signs now (the kid is in the cache key: a rotation or activation on any instance ends
   * the reuse) and while it has more than MIN_REUSABLE_LIFE_SEC left. A token the client would
   * refresh at once (CLIENT_REFRESH_MARGIN_SEC) is never handed out.
   */
  private async tokenFor(request: UserTokenRequest): Promise<UserToken> {
    const cacheKey = `${this.tokens.signerId()}|${JSON.stringify(request)}`;
    const cached = this.recent.get(cacheKey);
    if (cached && secondsLeft(cached) > MIN_REUSABLE_LIFE_SEC) return cached;
    const token = await this.tokens.tokenFor(request).catch((err: unknown) => {
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
    if (left > MIN_REUSABLE_LIFE_SEC) this.recent.set(cacheKey, token);
    return token;
  }
}

function secondsLeft(token: UserToken): number {
  return Math.floor(token.expiresAt - Date.now() / 1000);
}
