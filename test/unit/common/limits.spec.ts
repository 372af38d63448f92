import { TtlCache } from '../../../src/common/cache/ttl-cache';
import { FleetRateLimiter } from '../../../src/shared-state/fleet-rate-limiter';
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

  it('expireAll makes every entry stale (re-read) without dropping it; new ones are fresh', () => {
    now = 0;
    const c = new TtlCache<string, number>(100, 10, clock, 1000);
    c.set('a', 1);
    c.expireAll();
    expect(c.get('a')).toBeUndefined();
    expect(c.getStale('a')).toEqual({ value: 1, ageMs: 0 });
    c.set('b', 2);
    expect(c.get('b')).toBe(2);
  });

  it('setAged stores an answer that was already old (its age counts toward both bounds)', () => {
    now = 1000;
    const c = new TtlCache<string, number>(100, 10, clock, 1000);
    c.setAged('a', 1, 150);
    expect(c.get('a')).toBeUndefined();
    expect(c.getStale('a')).toEqual({ value: 1, ageMs: 150 });
    now = 1850;
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

describe('FleetRateLimiter without Redis (per process)', () => {
  it('allows the limit, refuses the next with seconds to wait, and counts keys apart', async () => {
    const r = new FleetRateLimiter('test', 3, 60_000);
    const hits = [await r.hit('u'), await r.hit('u'), await r.hit('u')];
    expect(hits).toEqual([undefined, undefined, undefined]);
    const refused = await r.hit('u');
    expect(refused).toBeGreaterThanOrEqual(59);
    expect(refused).toBeLessThanOrEqual(60);
    expect(await r.hit('other')).toBeUndefined();
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
