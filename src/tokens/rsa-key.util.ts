import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

export const RSA_MODULUS_BITS = 2048;

/** What the JWKS publishes for one key (RFC 7517), never anything private. */
export interface PublicSigningJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  use: 'sig';
  alg: 'RS256';
}

export interface GeneratedSigningKey {
  kid: string;
  publicJwk: PublicSigningJwk;
  privateKey: KeyObject;
}

/** RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order, base64url. */
export function rsaThumbprint(jwk: { e: string; n: string }): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

export function publicJwkOf(privateKey: KeyObject): PublicSigningJwk {
  const { n, e } = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof n !== 'string' || typeof e !== 'string') throw new Error('not an RSA key');
  return { kty: 'RSA', n, e, kid: rsaThumbprint({ n, e }), use: 'sig', alg: 'RS256' };
}

/** Off the event loop (key generation takes tens to hundreds of milliseconds). */
export async function generateSigningKey(): Promise<GeneratedSigningKey> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: RSA_MODULUS_BITS });
  const publicJwk = publicJwkOf(privateKey);
  return { kid: publicJwk.kid, publicJwk, privateKey };
}

export function exportPrivateKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' });
}

export function importPrivateKey(der: Buffer): KeyObject {
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}
