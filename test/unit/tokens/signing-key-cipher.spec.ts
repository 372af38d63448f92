import { calculateJwkThumbprint } from 'jose';
import {
  exportPrivateKey,
  generateSigningKey,
  importPrivateKey,
  publicJwkOf,
  rsaThumbprint,
} from '../../../src/tokens/rsa-key.util';
import {
  SigningKeyCipher,
  SigningKeyDecryptionError,
} from '../../../src/tokens/signing-key.cipher';
import { OTHER_SECRET, SECRET } from './tokens-fakes';

describe('SigningKeyCipher', () => {
  let cipher: SigningKeyCipher;
  const plaintext = Buffer.from('private key bytes, PKCS#8 DER in real use');

  beforeAll(async () => {
    cipher = await SigningKeyCipher.fromSecret(SECRET, 'SIGNING_KEY_SECRET');
  });

  it('round-trips, with a fresh IV each time', () => {
    const a = cipher.encrypt(plaintext, 'kid-1');
    const b = cipher.encrypt(plaintext, 'kid-1');
    expect(a).not.toEqual(b);
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain(plaintext.toString('base64url'));
    expect(cipher.decrypt(a, 'kid-1')).toEqual(plaintext);
    expect(cipher.decrypt(b, 'kid-1')).toEqual(plaintext);
  });

  it('round-trips a real RSA private key', async () => {
    const key = await generateSigningKey();
    const stored = cipher.encrypt(exportPrivateKey(key.privateKey), key.kid);
    const back = importPrivateKey(cipher.decrypt(stored, key.kid));
    expect(publicJwkOf(back)).toEqual(key.publicJwk);
  });

  it.each([
    ['iv', 1],
    ['tag', 2],
    ['ciphertext', 3],
  ])('detects a tampered %s', (_part, index) => {
    const parts = cipher.encrypt(plaintext, 'kid-1').split('.');
    const bytes = Buffer.from(parts[index], 'base64url');
    bytes[0] ^= 0x01;
    parts[index] = bytes.toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'), 'kid-1')).toThrow(SigningKeyDecryptionError);
  });

  it('binds the ciphertext to its kid (a value copied to another row fails)', () => {
    const stored = cipher.encrypt(plaintext, 'kid-1');
    expect(() => cipher.decrypt(stored, 'kid-2')).toThrow(SigningKeyDecryptionError);
  });

  it('rejects malformed values', () => {
    for (const bad of ['', 'v1', 'v2.a.b.c', 'v1.AAAA.AAAA.AAAA', 'plain text']) {
      expect(() => cipher.decrypt(bad, 'kid-1')).toThrow(SigningKeyDecryptionError);
    }
  });

  it('fails clearly with a wrong secret, naming where the secret came from but not its value', async () => {
    const stored = cipher.encrypt(plaintext, 'kid-1');
    const other = await SigningKeyCipher.fromSecret(OTHER_SECRET, '/data/keys/signing-key-secret');
    let error: Error | undefined;
    try {
      other.decrypt(stored, 'kid-1');
    } catch (err) {
      error = err as Error;
    }
    expect(error).toBeInstanceOf(SigningKeyDecryptionError);
    expect(error?.message).toContain('Cannot decrypt signing key kid-1');
    expect(error?.message).toContain('/data/keys/signing-key-secret');
    expect(error?.message).not.toContain(OTHER_SECRET);
    expect(error?.message).not.toContain(SECRET);
  });
});

describe('rsa keys', () => {
  it('uses the RFC 7638 thumbprint as kid and publishes only public members', async () => {
    const key = await generateSigningKey();
    expect(key.kid).toBe(
      await calculateJwkThumbprint({ kty: 'RSA', n: key.publicJwk.n, e: key.publicJwk.e }),
    );
    expect(rsaThumbprint(key.publicJwk)).toBe(key.kid);
    expect(Object.keys(key.publicJwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(key.publicJwk).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', e: 'AQAB' });
    expect(Buffer.from(key.publicJwk.n, 'base64url').length).toBe(256); // 2048 bits
  });
});
