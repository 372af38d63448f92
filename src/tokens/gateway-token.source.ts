import { Inject, Injectable, Optional } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '../common/errors/domain-error';
import { rootLogger } from '../common/logging/logger';
import { JwtIssuerService } from './jwt-issuer.service';
import {
  GATEWAY_BASE_URL,
  MIN_REUSABLE_LIFE_SEC,
  TOKENS_TUNING,
  tuningWith,
  type GatewayBaseUrl,
  type TokensTuning,
} from './tokens.tokens';
import type { UserToken, UserTokenRequest, UserTokenSource } from './user-token-source.interface';

export const USER_ACCESS_TOKEN_PATH = '/v1/code/user_access_token';
/** Lifetime of the service token that authenticates us to the gateway for this one call. */
export const SERVICE_TOKEN_TTL_SEC = 300;
const MAX_CACHED_USERS = 10_000;

const answerSchema = z.object({
  token: z.string().min(1),
  expires_at: z.number().int().positive(),
});

/**
 * GitLab.com's way: the AI Gateway mints the user's token (`POST /v1/code/user_access_token`),
 * authenticated by our own short-lived service JWT and the identity headers. Tokens are cached
 * per user while they have more than MIN_REUSABLE_LIFE_SEC left (a caller may cache the answer
 * for TOKEN_REUSE_SEC more, and the client then still needs its refresh margin); concurrent
 * requests for one user share a call.
 */
@Injectable()
export class GatewayTokenSource implements UserTokenSource {
  readonly kind = 'gateway';
  private readonly log = rootLogger.child({ component: 'gateway-token-source' });
  private readonly tuning: TokensTuning;
  private readonly cache = new Map<string, UserToken>();
  private readonly inflight = new Map<string, Promise<UserToken>>();

  constructor(
    private readonly issuer: JwtIssuerService,
    @Inject(GATEWAY_BASE_URL) private readonly baseUrl: GatewayBaseUrl,
    @Optional() @Inject(TOKENS_TUNING) tuning?: Partial<TokensTuning>,
  ) {
    this.tuning = tuningWith(tuning);
  }

  /** The gateway signs these tokens with its own key: our rotations do not affect them. */
  signerId(): string {
    return 'gateway';
  }

  async tokenFor(input: UserTokenRequest): Promise<UserToken> {
    const key = cacheKey(input);
    const cached = this.cache.get(key);
    if (cached && this.usable(cached)) return cached;
    this.cache.delete(key);

    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetchToken(input)
        .then((token) => {
          if (this.usable(token)) this.remember(key, token);
          return token;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private usable(token: UserToken): boolean {
    return this.tuning.now() / 1000 < token.expiresAt - MIN_REUSABLE_LIFE_SEC;
  }

  private remember(key: string, token: UserToken): void {
    if (this.cache.size >= MAX_CACHED_USERS) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(key, token);
  }

  private async fetchToken(input: UserTokenRequest): Promise<UserToken> {
    const service = await this.issuer.issue({
      sub: input.instanceId,
      scopes: input.scopes,
      realm: input.realm,
      instanceId: input.instanceId,
      ttlSeconds: SERVICE_TOKEN_TTL_SEC,
    });
    const url = `${this.baseUrl().replace(/\/+$/, '')}${USER_ACCESS_TOKEN_PATH}`;
    const timeoutMs = this.tuning.gatewayTimeoutMs;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${service.token}`,
          'Content-Type': 'application/json',
          'X-Gitlab-Authentication-Type': 'oidc',
          'X-Gitlab-Global-User-Id': input.globalUserId,
          'X-Gitlab-Realm': input.realm,
          'X-Gitlab-Instance-Id': input.instanceId,
        },
        body: '{}',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describe(e);
      throw this.unavailable(reason, err);
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) throw this.unavailable(`HTTP ${res.status}${detailOf(body)}`);
    const parsed = answerSchema.safeParse(body);
    if (!parsed.success) throw this.unavailable('the answer has no valid token and expires_at');
    return { token: parsed.data.token, expiresAt: parsed.data.expires_at };
  }

  private unavailable(reason: string, cause?: unknown): DomainError {
    this.log.warn({ reason }, 'could not obtain a user access token from the AI Gateway');
    return new DomainError(
      'service_unavailable',
      `Could not obtain a token from the AI Gateway: ${reason}`,
      { cause },
    );
  }
}

function cacheKey(input: UserTokenRequest): string {
  return JSON.stringify([
    input.realm,
    input.instanceId,
    input.globalUserId,
    [...input.scopes].sort(),
  ]);
}

function describe(err: Error): string {
  const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}

/** The gateway's own words (`detail` or `error`), shortened; never echoes a token. */
function detailOf(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const b = body as { detail?: unknown; error?: unknown };
  const text = typeof b.detail === 'string' ? b.detail : typeof b.error === 'string' ? b.error : '';
  return text ? ` (${text.slice(0, 200)})` : '';
}
