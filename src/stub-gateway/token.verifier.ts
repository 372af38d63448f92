import type { IncomingHttpHeaders } from 'node:http';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type pino from 'pino';
import { discoveryUrl, getJson, getUrl } from './http.util';

export { discoveryUrl } from './http.util';

/** Auth failures the AIGW answers with 401 `{"error": message}` (cloud connector `authenticate`). */
export const AUTH_ERRORS = {
  noHeader: 'No authorization header presented',
  badHeader: 'Invalid authorization header',
  notOidc: 'Invalid authentication token type - only OIDC is supported',
  forbidden: 'Forbidden by auth provider',
} as const;

export const HEADER_REALM = 'X-Gitlab-Realm';
export const HEADER_INSTANCE_ID = 'X-Gitlab-Instance-Id';
export const HEADER_GLOBAL_USER_ID = 'X-Gitlab-Global-User-Id';

export interface AuthenticatedUser {
  /** Verified claims; empty when auth is bypassed. */
  claims: JWTPayload & { scopes?: unknown; gitlab_realm?: unknown; gitlab_instance_id?: unknown };
  scopes: string[];
  /** Token minted by this stub's `/v1/code/user_access_token`. */
  selfSigned: boolean;
  /** Auth bypassed (`verifyTokens: false`): every scope allowed. */
  debug: boolean;
}

export type AuthResult =
  | { ok: true; user: AuthenticatedUser }
  /** `error` is what the gateway answers; `detail` what it logs (e.g. the JWT library's reason). */
  | { ok: false; error: string; detail?: string };

/** The reason the gateway's JWT library gives for a token no cached key verifies. */
export const SIGNATURE_FAILED = 'Signature verification failed';

export interface TokenVerifierOptions {
  trustedIssuers: () => string[];
  /** `iss` values that mean "this stub" (the self issuer and the stub URL). */
  selfIssuers: () => string[];
  selfKeySet: JWTVerifyGetKey;
  audience: string;
  refetchIntervalMs: number;
  /** How long a fetched JWKS is used before it is fetched again (the gateway: 24 h). */
  cacheTtlMs: number;
  clockToleranceSec: number;
  logger: pino.Logger;
}

interface IssuerKeys {
  keySet?: JWTVerifyGetKey;
  kids: Set<string>;
  fetchedAt: number;
  /** Epoch ms of the last failed fetch (0: none since the last success). */
  failedAt: number;
  /** Epoch ms until which the fetched JWKS is used (fetch time + the cache TTL). */
  freshUntil: number;
  inflight?: Promise<void>;
}

interface CachedToken {
  payload: JWTPayload;
  exp: number;
  nbf: number;
  kid?: string;
}

const MAX_CACHED_TOKENS = 5000;
/** The gateway's JWKS cache time (CompositeProvider `expiry_seconds=86400`). */
export const GATEWAY_JWKS_CACHE_TTL_MS = 86_400_000;

function trimSlash(s: string): string {
  return s.endsWith('/') ? s.slice(0, -1) : s;
}

/**
 * Verifies gateway tokens like the AIGW: RS256 against the issuer's JWKS (discovered through
 * `urljoin(issuer, "/.well-known/openid-configuration")` → `jwks_uri`, then used for 24 h
 * whatever its Cache-Control says, and NOT refetched for an unknown `kid`: a token signed by a key
 * published after the fetch fails until the cache expires), `aud`, `exp`/`nbf`, then claims
 * against the identity headers. A failed fetch is retried at most once per `refetchIntervalMs`.
 */
export class TokenVerifier {
  private readonly issuers = new Map<string, IssuerKeys>();
  private readonly verified = new Map<string, CachedToken>();

  constructor(private readonly opts: TokenVerifierOptions) {}

  async authenticate(headers: IncomingHttpHeaders): Promise<AuthResult> {
    const authorization = headers.authorization;
    if (authorization === undefined) return { ok: false, error: AUTH_ERRORS.noHeader };
    const space = authorization.indexOf(' ');
    const scheme = space < 0 ? authorization : authorization.slice(0, space);
    const token = space < 0 ? '' : authorization.slice(space + 1);
    if (scheme.toLowerCase() !== 'bearer') return { ok: false, error: AUTH_ERRORS.badHeader };
    if (headers['x-gitlab-authentication-type'] !== 'oidc') {
      return { ok: false, error: AUTH_ERRORS.notOidc };
    }

    const verified = await this.verify(token);
    if ('failed' in verified) {
      return { ok: false, error: AUTH_ERRORS.forbidden, detail: verified.failed };
    }
    const { payload, selfSigned } = verified;

    const mismatch = this.headerMismatch(payload, headers, selfSigned);
    if (mismatch) return { ok: false, error: `Header mismatch '${mismatch}'` };

    const scopes = Array.isArray(payload.scopes)
      ? payload.scopes.filter((s): s is string => typeof s === 'string')
      : [];
    return { ok: true, user: { claims: payload, scopes, selfSigned, debug: false } };
  }

  /**
   * The AIGW compares `gitlab_realm` with X-Gitlab-Realm, `gitlab_instance_id` with
   * X-Gitlab-Instance-Id, and `sub` with X-Gitlab-Global-User-Id for its own tokens but with
   * X-Gitlab-Instance-Id for tokens from GitLab (whose `sub` is the instance UUID). A claim that is
   * absent or empty is not compared.
   */
  private headerMismatch(
    payload: JWTPayload,
    headers: IncomingHttpHeaders,
    selfSigned: boolean,
  ): string | undefined {
    const pairs: [unknown, string][] = [
      [payload.gitlab_realm, HEADER_REALM],
      [payload.gitlab_instance_id, HEADER_INSTANCE_ID],
      [payload.sub, selfSigned ? HEADER_GLOBAL_USER_ID : HEADER_INSTANCE_ID],
    ];
    for (const [claim, header] of pairs) {
      if (claim === undefined || claim === null || claim === '') continue;
      const value = typeof claim === 'string' ? claim : JSON.stringify(claim);
      if (value !== headers[header.toLowerCase()]) return header;
    }
    return undefined;
  }

  /** Forgets every issuer's JWKS and the verified tokens (a gateway restart). */
  clearCache(): void {
    this.issuers.clear();
    this.verified.clear();
  }

  private async verifyCached(
    token: string,
    cached: CachedToken,
  ): Promise<{ payload: JWTPayload; selfSigned: boolean } | { failed: string }> {
    const now = Date.now() / 1000;
    const tolerance = this.opts.clockToleranceSec;
    if (cached.exp + tolerance < now) return { failed: 'Signature has expired.' };
    if (cached.nbf - tolerance > now) return { failed: 'The token is not yet valid (nbf)' };
    const selfSigned = this.isSelf(cached.payload.iss);
    if (selfSigned) return { payload: cached.payload, selfSigned };
    const iss = cached.payload.iss;
    if (!iss || !this.isTrusted(iss)) return { failed: SIGNATURE_FAILED };
    // The signature was checked before; the key it was checked with must still be cached.
    const entry = await this.currentKeys(trimSlash(iss));
    if (cached.kid !== undefined && !entry.kids.has(cached.kid)) {
      this.verified.delete(token);
      return { failed: SIGNATURE_FAILED };
    }
    return { payload: cached.payload, selfSigned };
  }

  private async verify(
    token: string,
  ): Promise<{ payload: JWTPayload; selfSigned: boolean } | { failed: string }> {
    const cached = this.verified.get(token);
    if (cached) return this.verifyCached(token, cached);

    let iss: string | undefined;
    let kid: string | undefined;
    try {
      iss = decodeJwt(token).iss;
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return { failed: 'Error decoding token headers.' };
    }
    if (!iss) return { failed: SIGNATURE_FAILED };
    const selfSigned = this.isSelf(iss);
    let keySet: JWTVerifyGetKey | undefined;
    if (selfSigned) keySet = this.opts.selfKeySet;
    else if (this.isTrusted(iss)) {
      keySet = await this.keysFor(trimSlash(iss), kid);
    } else {
      this.opts.logger.debug({ iss }, 'stub gateway: token from untrusted issuer');
      return { failed: SIGNATURE_FAILED };
    }
    if (!keySet) {
      this.opts.logger.info(
        { iss, kid },
        `stub gateway: ${SIGNATURE_FAILED} (kid not in the cached JWKS)`,
      );
      return { failed: SIGNATURE_FAILED };
    }

    try {
      const { payload } = await jwtVerify(token, keySet, {
        audience: this.opts.audience,
        algorithms: ['RS256'],
        clockTolerance: this.opts.clockToleranceSec,
        requiredClaims: ['exp'],
      });
      if (this.verified.size >= MAX_CACHED_TOKENS) this.verified.clear();
      this.verified.set(token, { payload, exp: payload.exp ?? 0, nbf: payload.nbf ?? 0, kid });
      return { payload, selfSigned };
    } catch (err) {
      this.opts.logger.debug({ err: (err as Error).message, iss }, 'stub gateway: token rejected');
      const code = (err as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') return { failed: 'Signature has expired.' };
      if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return { failed: (err as Error).message };
      return { failed: SIGNATURE_FAILED };
    }
  }

  private isTrusted(iss: string | undefined): boolean {
    return (
      iss !== undefined && this.opts.trustedIssuers().some((t) => trimSlash(t) === trimSlash(iss))
    );
  }

  private isSelf(iss: string | undefined): boolean {
    return (
      iss !== undefined && this.opts.selfIssuers().some((s) => trimSlash(s) === trimSlash(iss))
    );
  }

  private async keysFor(
    issuer: string,
    kid: string | undefined,
  ): Promise<JWTVerifyGetKey | undefined> {
    const entry = await this.currentKeys(issuer);
    // A kid the issuer no longer publishes is refused even if jose's key set would still match
    // a key without a kid.
    if (kid !== undefined && !entry.kids.has(kid)) return undefined;
    return entry.keySet;
  }

  /** The issuer's JWKS: fetched when none is cached or the cached one is older than the TTL. */
  private async currentKeys(issuer: string): Promise<IssuerKeys> {
    let entry = this.issuers.get(issuer);
    if (!entry) {
      entry = { kids: new Set(), fetchedAt: 0, failedAt: 0, freshUntil: 0 };
      this.issuers.set(issuer, entry);
    }
    const now = Date.now();
    const stale = !entry.keySet || now >= entry.freshUntil;
    if (stale) {
      if (entry.inflight) await entry.inflight;
      else if (now - entry.failedAt >= this.opts.refetchIntervalMs) {
        const e = entry;
        e.inflight = this.refresh(issuer, e).finally(() => (e.inflight = undefined));
        await e.inflight;
      }
    }
    return entry;
  }

  private async refresh(issuer: string, entry: IssuerKeys): Promise<void> {
    try {
      const discovery = await getJson(discoveryUrl(issuer));
      const jwksUri = (discovery as { jwks_uri?: unknown }).jwks_uri;
      if (typeof jwksUri !== 'string') throw new Error('openid-configuration has no jwks_uri');
      const res = await getUrl(jwksUri);
      const jwks = (await res.json()) as JSONWebKeySet;
      if (!Array.isArray(jwks.keys)) throw new Error('JWKS has no keys');
      entry.keySet = createLocalJWKSet(jwks);
      entry.kids = new Set(jwks.keys.map((k) => k.kid).filter((k): k is string => !!k));
      entry.fetchedAt = Date.now();
      entry.failedAt = 0;
      entry.freshUntil = entry.fetchedAt + this.opts.cacheTtlMs;
      this.opts.logger.debug({ issuer, kids: [...entry.kids] }, 'stub gateway: fetched JWKS');
    } catch (err) {
      entry.failedAt = Date.now();
      this.opts.logger.warn(
        { issuer, err: (err as Error).message },
        'stub gateway: JWKS fetch failed',
      );
    }
  }
}
