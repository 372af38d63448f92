import { randomUUID } from 'node:crypto';
import {
  SignJWT,
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyLike,
} from 'jose';

/** `iss` and `aud` of AIGW self-signed tokens (gitlab-cloud-connector's service name). */
export const AIGW_SELF_ISSUER = 'gitlab-ai-gateway';
export const USER_ACCESS_TOKEN_TTL_SEC = 3600;

/** The stub's own RS256 key: signs `/v1/code/user_access_token` tokens and verifies them. */
export class StubTokenAuthority {
  private constructor(
    private readonly privateKey: KeyLike,
    readonly publicJwk: JWK,
    readonly kid: string,
    readonly keySet: JWTVerifyGetKey,
  ) {}

  static async create(): Promise<StubTokenAuthority> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    const publicJwk: JWK = { ...jwk, kid, use: 'sig', alg: 'RS256' };
    return new StubTokenAuthority(
      privateKey,
      publicJwk,
      kid,
      createLocalJWKSet({ keys: [publicJwk] }),
    );
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** Signs a token valid for `ttlSec`, with `iat`/`nbf` now and a fresh `jti`. */
  async sign(
    claims: JWTPayload,
    opts: { issuer: string; audience: string; subject: string; ttlSec?: number },
  ): Promise<{ token: string; expiresAt: number }> {
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + (opts.ttlSec ?? USER_ACCESS_TOKEN_TTL_SEC);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: this.kid, typ: 'JWT' })
      .setIssuer(opts.issuer)
      .setAudience(opts.audience)
      .setSubject(opts.subject)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(expiresAt)
      .setJti(randomUUID())
      .sign(this.privateKey);
    return { token, expiresAt };
  }
}
