import { TtlCache } from '../../../src/common/cache/ttl-cache';
import { RateLimiter } from '../../../src/common/rate-limit/rate-limiter';
import { RetryBudget } from '../../../src/resilience/retry-budget';

describe('TtlCache', () => {
  let now = 0;
  const clock = () => now;

  it('serves fresh entries, hides expired ones, and keeps stale ones for degraded mode', () => {
    now = 0;
    const c = new TtlCache<string, number>(100, 10, clock, 1000);
    c.set('a', 1);
    now = 99;
    expect(c.get('a')).toBe(1);
    now = 100;
    expect(c.get('a')).toBeUndefined();
    expect(c.getStale('a')).toEqual({ value: 1, ageMs: 100 });
    now = 1000;
    expect(c.getStale('a')).toBeUndefined();
  });

  it('is bounded: the oldest insertion is evicted', () => {
    now = 0;
    const c = new TtlCache<number, number>(1000, 3, clock);
    for (let i = 0; i < 5; i++) c.set(i, i);
    expect(c.size).toBe(3);
    expect(c.get(0)).toBeUndefined();
    expect(c.get(4)).toBe(4);
  });
});

describe('RateLimiter (fixed window)', () => {
  it('allows the limit, refuses the next with seconds to wait, and resets with the window', () => {
    let now = 0;
    const r = new RateLimiter(3, 60_000, () => now);
    expect([r.hit('u'), r.hit('u'), r.hit('u')]).toEqual([undefined, undefined, undefined]);
    expect(r.hit('u')).toBe(60);
    expect(r.hit('other')).toBeUndefined();
    now = 45_000;
    expect(r.hit('u')).toBe(15);
    now = 60_000;
    expect(r.hit('u')).toBeUndefined();
  });
});

describe('RetryBudget', () => {
  it('allows 10% of requests plus a floor, then refuses', () => {
    let now = 0;
    const b = new RetryBudget(0.1, 1, 10_000, () => now);
    for (let i = 0; i < 100; i++) b.recordRequest();
    let granted = 0;
    while (b.tryRetry()) granted++;
    expect(granted).toBe(20); // 100 * 0.1 + 1/s * 10 s
    now = 10_000;
    expect(b.tryRetry()).toBe(true);
  });
});
