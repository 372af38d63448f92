// The shared-state pieces on a real redis-server: two "processes" (two connections each) share
// rate limits, notifications and breaker states; Redis stopped → per-process fallback; back →
// shared again, and a re-read is signalled for what may have been missed.
import * as fs from 'node:fs';
import pino from 'pino';
import type { ChangeMessages } from '../../../src/common/fleet/change-bus';
import { RedisChangeBus } from '../../../src/shared-state/change-bus';
import { FleetBreakersState } from '../../../src/shared-state/fleet-breakers.service';
import { FleetRateLimiter } from '../../../src/shared-state/fleet-rate-limiter';
import { RedisConnection } from '../../../src/shared-state/redis-connection';
import { waitFor } from '../../support/fleet/processes';
import { RedisServer } from '../../support/fleet/redis-server';

const runnable = fs.existsSync('/usr/bin/redis-server');
if (!runnable && process.env.CI === 'true') throw new Error('CI: redis-server is missing');
jest.setTimeout(60_000);

(runnable ? describe : describe.skip)('shared state on redis-server', () => {
  const log = pino({ level: 'silent' });
  const prefix = `t${Date.now()}:`;
  let redis: RedisServer;
  let one: RedisConnection;
  let two: RedisConnection;
  const upBoth = () => waitFor('both connected', async () => (one.isUp && two.isUp) || undefined);

  beforeAll(async () => {
    redis = await RedisServer.start();
    one = new RedisConnection(redis.url, log);
    two = new RedisConnection(redis.url, log);
    await upBoth();
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await redis?.stop();
  });

  it('two processes share one limit; Redis down → each counts alone (counted); back → shared', async () => {
    const fallbacks: string[] = [];
    const onLocal = (name: string) => fallbacks.push(name);
    const shared = { keyPrefix: prefix };
    const l1 = new FleetRateLimiter('c', 3, 60_000, { ...shared, connection: one }, onLocal);
    const l2 = new FleetRateLimiter('c', 3, 60_000, { ...shared, connection: two }, onLocal);
    expect([await l1.hit('u'), await l2.hit('u'), await l1.hit('u')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(await l2.hit('u')).toBeGreaterThan(0);
    expect(fallbacks).toEqual([]);

    await redis.stop();
    await waitFor('both see Redis down', async () => (!one.isUp && !two.isUp) || undefined);
    // Per process: each allows its own 3 for a user it has not counted yet.
    for (const l of [l1, l2]) {
      expect([await l.hit('v'), await l.hit('v'), await l.hit('v')]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      expect(await l.hit('v')).toBeGreaterThan(0);
    }
    expect(fallbacks).toHaveLength(8);

    await redis.resume();
    await upBoth();
    expect([await l1.hit('w'), await l2.hit('w'), await l1.hit('w')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(await l2.hit('w')).toBeGreaterThan(0);
    expect(fallbacks).toHaveLength(8);
  });

  it('Redis hung (SIGSTOP): one hit waits for the command timeout, then the process counts alone until it answers again', async () => {
    const fallbacks: string[] = [];
    const l1 = new FleetRateLimiter(
      'h',
      3,
      60_000,
      { keyPrefix: prefix, connection: one },
      (name) => fallbacks.push(name),
    );
    expect(await l1.hit('x')).toBeUndefined();
    redis.signal('SIGSTOP');
    try {
      expect(await l1.hit('y')).toBeUndefined(); // timed out → counted here
      expect(fallbacks).toEqual(['h']);
      await waitFor('seen as down', async () => (!one.isUp ? true : undefined));
      // Not ready: Redis is not even tried (no second wait for the timeout).
      expect(one.client.status).not.toBe('ready');
      expect(await l1.hit('y')).toBeUndefined();
      expect(fallbacks).toEqual(['h', 'h']);
    } finally {
      redis.signal('SIGCONT');
    }
    await upBoth();
  });

  it('a notification reaches the other process, not the sender; after an outage both re-read', async () => {
    const bus1 = new RedisChangeBus(one, prefix, log);
    const bus2 = new RedisChangeBus(two, prefix, log);
    bus1.start();
    bus2.start();
    const got1: unknown[] = [];
    const got2: Array<ChangeMessages['token.revoked'] | undefined> = [];
    bus1.subscribe('token.revoked', (d) => got1.push(d));
    bus2.subscribe('token.revoked', (d) => got2.push(d));
    await waitFor('subscribed', async () => {
      bus1.publish('token.revoked', { tokenId: 7 });
      return got2.length > 0 || undefined;
    });
    expect(got2[0]).toEqual({ tokenId: 7 });
    expect(got1).toEqual([]);

    await redis.stop();
    await waitFor('down', async () => (!one.isUp && !two.isUp) || undefined);
    got2.length = 0;
    await redis.resume();
    await upBoth();
    await waitFor('re-read signalled', async () => (got2.includes(undefined) ? true : undefined));
  });

  it('an open breaker is seen by the other process until it closes (or stops being repeated)', async () => {
    const bus1 = new RedisChangeBus(one, `${prefix}b:`, log);
    const bus2 = new RedisChangeBus(two, `${prefix}b:`, log);
    bus1.start();
    bus2.start();
    let now = Date.now();
    const b1 = new FleetBreakersState(bus1);
    const b2 = new FleetBreakersState(bus2, () => now);
    try {
      await waitFor('open seen elsewhere', async () => {
        b1.report('vertex-ai/m', false);
        return b2.openElsewhere('vertex-ai/m') || undefined;
      });
      expect(b1.openElsewhere('vertex-ai/m')).toBe(false); // its own breaker is not "elsewhere"
      b1.report('vertex-ai/m', true);
      await waitFor('closed seen', async () => !b2.openElsewhere('vertex-ai/m') || undefined);

      b1.report('vertex-ai/m', false);
      await waitFor('open again', async () => b2.openElsewhere('vertex-ai/m') || undefined);
      b1.stop(); // no more repeats, like a process that died with its breaker open
      now += 60_000;
      expect(b2.openElsewhere('vertex-ai/m')).toBe(false);
    } finally {
      b1.stop();
      b2.stop();
    }
  });
});
