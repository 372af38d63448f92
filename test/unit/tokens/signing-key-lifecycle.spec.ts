import {
  byAge,
  planRotation,
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

describe('planRotation', () => {
  const DAY = 24 * 60 * MIN;
  const policy = { gatewayJwksCacheMs: DAY, publicationDelayMs: 5 * MIN };
  const refusal = (options: Parameters<typeof planRotation>[0]) => {
    try {
      planRotation(options, policy, T);
    } catch (err) {
      return (err as Error).message;
    }
    return 'not refused';
  };

  it('by default signs once a gateway that fetched just before publication has refetched', () => {
    expect(planRotation({}, policy, T)).toEqual({
      activatesAt: new Date(T + DAY + 5 * MIN),
      unsafe: false,
      gatewaysMayRefuseUntil: null,
    });
  });

  it('takes a longer delay, or one of exactly the cache time', () => {
    expect(planRotation({ activateInMs: 2 * DAY }, policy, T).activatesAt).toEqual(
      new Date(T + 2 * DAY),
    );
    expect(planRotation({ activateInMs: DAY }, policy, T).unsafe).toBe(false);
  });

  it('refuses a delay shorter than the gateway cache, naming the setting and the way out', () => {
    const message = refusal({ activateInMs: DAY - 1000 });
    expect(message).toContain('activate_in_seconds is shorter than the gateway');
    expect(message).toContain('86400 s, GATEWAY_JWKS_CACHE_SECONDS');
    expect(message).toContain('immediate: true');
    expect(refusal({ activateInMs: 0 })).toContain('GATEWAY_JWKS_CACHE_SECONDS');
    expect(refusal({ activateInMs: -1, immediate: true })).toBe(
      'activate_in_seconds must be 0 or more',
    );
  });

  it('an immediate rotation signs at once and says until when gateways may refuse', () => {
    expect(planRotation({ immediate: true }, policy, T)).toEqual({
      activatesAt: new Date(T),
      unsafe: true,
      gatewaysMayRefuseUntil: new Date(T + DAY + 5 * MIN),
    });
    const soon = planRotation({ immediate: true, activateInMs: 10 * MIN }, policy, T);
    expect(soon).toMatchObject({ activatesAt: new Date(T + 10 * MIN), unsafe: true });
    // Immediate with a safe delay is no longer unsafe.
    expect(planRotation({ immediate: true, activateInMs: 2 * DAY }, policy, T).unsafe).toBe(false);
  });

  it('a gateway that refetches on every request (cache 0) needs only our own publication delay', () => {
    const none = { gatewayJwksCacheMs: 0, publicationDelayMs: 5 * MIN };
    expect(planRotation({}, none, T).activatesAt).toEqual(new Date(T + 5 * MIN));
    expect(planRotation({ activateInMs: 0 }, none, T).unsafe).toBe(false);
  });
});
