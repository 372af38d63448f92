import type { KeyObject } from 'node:crypto';
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
   * Publish the new key now but sign with it only this much later (default 0). Lets verifiers
   * that cache the JWKS without refetching on an unknown kid learn the key before it is used.
   */
  activateInMs?: number;
}

export interface RotationResult {
  kid: string;
  activatesAt: Date;
  previousKid: string | null;
  previousPublishedUntil: Date | null;
}
