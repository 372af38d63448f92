import {
  byAge,
  isPublished,
  maySign,
  publicMembers,
  publishedUntil,
  type KeyState,
} from '../../../src/tokens/signing-key-lifecycle';
import { rsaThumbprint } from '../../../src/tokens/rsa-key.util';

const MIN = 60_000;
const T = Date.parse('2026-01-01T00:00:00Z');
const jwk = {
  kty: 'RSA' as const,
  n: 'sXch',
  e: 'AQAB',
  use: 'sig' as const,
  alg: 'RS256' as const,
};
const kid = rsaThumbprint(jwk);

function key(createdAt: number, retiredAt: number | null): KeyState {
  return {
    kid,
    publicJwk: { ...jwk, kid },
    createdAt: new Date(createdAt),
    retiredAt: retiredAt === null ? null : new Date(retiredAt),
  };
}

describe('signing key lifecycle', () => {
  it.each([
    // [createdAt, retiredAt, now, signs, published]
    [T, null, T, true, true],
    [T + MIN, null, T, false, true], // staged: published before it signs
    [T, T + MIN, T + MIN - 1, true, true],
    [T, T + MIN, T + MIN, false, true],
    [T, T + MIN, T + 66 * MIN - 1, false, true],
    [T, T + MIN, T + 66 * MIN, false, false], // retiredAt + 1 h + 5 min
  ])('created %p, retired %p, at %p: signs %p, published %p', (c, r, now, signs, published) => {
    expect(maySign(key(c, r), now)).toBe(signs);
    expect(isPublished(key(c, r), now)).toBe(published);
  });

  it('publishes a retired key for 1 h 5 min', () => {
    expect(publishedUntil(null)).toBeNull();
    expect(publishedUntil(new Date(T))).toEqual(new Date(T + 65 * MIN));
  });

  it('orders by age, a retired key before its same-millisecond successor', () => {
    const rec = (k: string, retiredAt: number | null) => ({
      kid: k,
      publicJwk: { ...jwk, kid: k },
      privateKeyEnc: '',
      createdAt: new Date(T),
      retiredAt: retiredAt === null ? null : new Date(retiredAt),
    });
    const sorted = [rec('a-new', null), rec('z-old', T)].sort(byAge).map((r) => r.kid);
    expect(sorted).toEqual(['z-old', 'a-new']);
  });

  it('keeps only the public members and checks the kid', () => {
    const stored = { ...jwk, kid, d: 'private', p: 'x' } as typeof jwk & { kid: string };
    expect(publicMembers(stored, kid)).toEqual({ ...jwk, kid });
    expect(() => publicMembers({ ...jwk, kid: 'other' }, 'other')).toThrow(
      /does not match its kid/,
    );
  });
});
