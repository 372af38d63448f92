import type { KeyObject } from 'node:crypto';
import { DomainError } from '../common/errors/domain-error';
import { rsaThumbprint, type PublicSigningJwk } from './rsa-key.util';
import type { SigningKeyRecord } from './signing-keys.repository';
import { RETIRED_KEY_PUBLISHED_MS } from './tokens.tokens';

/**
 * The life of a signing key, as pure rules over its two dates: it signs from `createdAt` (which
 * may lie ahead: published before it signs) until `retiredAt`, and is published until
 * `retiredAt` + RETIRED_KEY_PUBLISHED_MS (1 h token lifetime + 5 min clock skew).
 */
export interface KeyState {
  kid: string;
  publicJwk: PublicSigningJwk;
  createdAt: Date;
  retiredAt: Date | null;
  /** Decrypted once, only for keys that may still sign (retired keys are only published). */
  privateKey?: KeyObject;
}

export const publishedUntil = (retiredAt: Date | null): Date | null =>
  retiredAt ? new Date(retiredAt.getTime() + RETIRED_KEY_PUBLISHED_MS) : null;

/** Oldest first; on equal createdAt a retired key before the one that replaced it. */
export function byAge(a: SigningKeyRecord, b: SigningKeyRecord): number {
  const retired = (k: SigningKeyRecord) => k.retiredAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return (
    a.createdAt.getTime() - b.createdAt.getTime() ||
    retired(a) - retired(b) ||
    a.kid.localeCompare(b.kid)
  );
}

export function maySign(key: KeyState, now: number): boolean {
  return (
    key.createdAt.getTime() <= now && (key.retiredAt === null || now < key.retiredAt.getTime())
  );
}

export function isPublished(key: KeyState, now: number): boolean {
  const until = publishedUntil(key.retiredAt);
  return until === null || now < until.getTime();
}

/** Only the public members, whatever the stored JSON holds; the kid must be its thumbprint. */
export function publicMembers(jwk: PublicSigningJwk, kid: string): PublicSigningJwk {
  if (typeof jwk?.n !== 'string' || typeof jwk.e !== 'string' || rsaThumbprint(jwk) !== kid) {
    throw new Error(`signing key ${kid}: the stored public key does not match its kid`);
  }
  return { kty: 'RSA', n: jwk.n, e: jwk.e, kid, use: 'sig', alg: 'RS256' };
}

export interface SigningKeyView {
  kid: string;
  /** When the key starts signing (later than its insertion for a staged rotation). */
  createdAt: Date;
  retiredAt: Date | null;
  /** null while the key is active; then retiredAt + 1 h token lifetime + 5 min skew. */
  publishedUntil: Date | null;
  active: boolean;
  published: boolean;
}

export interface RotationOptions {
  /**
   * Publish the new key now but sign with it only this much later. Default: the gateway's JWKS
   * cache time plus our own publication delay (see `planRotation`). Below the gateway's cache
   * time only with `immediate`.
   */
  activateInMs?: number;
  /**
   * A compromised key: sign with the new key at once (or after `activateInMs`, however short).
   * Gateways that cached our JWKS before the rotation refuse its tokens until they refetch.
   */
  immediate?: boolean;
}

/** What a safe rotation must wait for. */
export interface RotationPolicy {
  /** How long the gateway keeps a fetched JWKS without refetching (GATEWAY_JWKS_CACHE_SECONDS). */
  gatewayJwksCacheMs: number;
  /**
   * How late a new key can appear in a JWKS answer after the rotation: another instance's stale
   * copy, plus the JWKS answer's Cache-Control max-age (an HTTP cache on the way may hold it).
   */
  publicationDelayMs: number;
}

export interface RotationPlan {
  activatesAt: Date;
  /** True when the gateway may not know the new key when it starts signing. */
  unsafe: boolean;
  /** When unsafe: by then every gateway has refetched our JWKS (now + its cache time). */
  gatewaysMayRefuseUntil: Date | null;
}

/**
 * When the new key starts signing. By default late enough that a gateway which fetched our JWKS
 * just before the new key was published has refetched it since: its cache time plus our
 * publication delay. A shorter delay refuses unless the caller says `immediate` (a compromised
 * key), because every token signed before the gateway refetches would fail its verification.
 */
export function planRotation(
  options: RotationOptions,
  policy: RotationPolicy,
  now: number,
): RotationPlan {
  const safeMs = policy.gatewayJwksCacheMs + policy.publicationDelayMs;
  const requested = options.activateInMs;
  if (requested !== undefined && (!Number.isFinite(requested) || requested < 0)) {
    throw DomainError.invalid('activate_in_seconds', 'must be 0 or more');
  }
  const plan = (inMs: number, unsafe: boolean): RotationPlan => ({
    activatesAt: new Date(now + inMs),
    unsafe,
    gatewaysMayRefuseUntil: unsafe ? new Date(now + safeMs) : null,
  });
  if (options.immediate) return plan(requested ?? 0, (requested ?? 0) < safeMs);
  if (requested === undefined) return plan(safeMs, false);
  if (requested < policy.gatewayJwksCacheMs) {
    const cacheSec = Math.round(policy.gatewayJwksCacheMs / 1000);
    throw new DomainError(
      'validation',
      `activate_in_seconds is shorter than the gateway's JWKS cache time (${cacheSec} s, ` +
        `GATEWAY_JWKS_CACHE_SECONDS): the gateway would refuse tokens signed by the new key ` +
        `until it refetches our keys; leave it out (${Math.ceil(safeMs / 1000)} s), or pass ` +
        `immediate: true for a compromised key`,
    );
  }
  return plan(requested, false);
}

export interface RotationResult {
  kid: string;
  activatesAt: Date;
  previousKid: string | null;
  previousPublishedUntil: Date | null;
  /** The gateway may not know the new key when it starts signing (an immediate rotation). */
  unsafe: boolean;
  /**
   * For an unsafe rotation: the latest moment a gateway that cached our JWKS before the rotation
   * has refetched it; until then it refuses tokens signed by the new key.
   */
  gatewaysMayRefuseUntil: Date | null;
}
