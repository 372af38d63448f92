// Degraded mode's identity snapshots on a real redis-server: two "processes" (two connections)
// share what they read; a change mark refuses every snapshot read before it, also one written
// after the mark from a read that began before it; a mark made while Redis was away is recorded
// when it is back; a snapshot expires with the staleness window.
import * as fs from 'node:fs';
import { Redis } from 'ioredis';
import pino from 'pino';
import { RedisIdentitySnapshots } from '../../../src/shared-state/identity-snapshots';
import { RedisConnection } from '../../../src/shared-state/redis-connection';
import { waitFor } from '../../support/fleet/processes';
import { RedisServer } from '../../support/fleet/redis-server';
import { TcpProxy } from '../../support/tcp-proxy';

const runnable = fs.existsSync('/usr/bin/redis-server');
if (!runnable && process.env.CI === 'true') throw new Error('CI: redis-server is missing');
jest.setTimeout(60_000);
const SECRET = 'identity-snapshots-test-secret-0123456789';

(runnable ? describe : describe.skip)('identity snapshots on redis-server', () => {
  const log = pino({ level: 'silent' });
  const prefix = `i${Date.now()}:`;
  let redis: RedisServer;
  let proxy: TcpProxy;
  let a: RedisConnection;
  let b: RedisConnection;
  const snapshotsOf = (c: RedisConnection, stalenessMs = 60_000) =>
    new RedisIdentitySnapshots(c, prefix, stalenessMs, log, () => SECRET);

  beforeAll(async () => {
    redis = await RedisServer.start();
    proxy = new TcpProxy('127.0.0.1', redis.port);
    await proxy.start();
    a = new RedisConnection(redis.url, log);
    // b reaches Redis through a proxy the test cuts
    b = new RedisConnection(`redis://127.0.0.1:${proxy.port}`, log);
    await waitFor('connected', async () => (a.isUp && b.isUp) || undefined);
  });
  afterAll(async () => {
    proxy?.comeBack();
    await a?.close();
    await b?.close();
    await proxy?.stop();
    await redis?.stop();
  });

  it("one process's read serves another; its age counts from the read", async () => {
    const sa = snapshotsOf(a);
    const sb = snapshotsOf(b);
    const readStarted = performance.now() - 200; // the database read took 200 ms
    sa.put('token', 'digest-1', 7, '{"user":7}', readStarted);
    const got = await waitFor('shared', () => sb.get('token', 'digest-1'));
    expect(got.json).toBe('{"user":7}');
    expect(got.ageMs).toBeGreaterThanOrEqual(190);
    expect(got.ageMs).toBeLessThan(5_000);
    expect(await sb.get('token', 'digest-2')).toBeUndefined();
    expect(await sb.get('seats', 'digest-1')).toBeUndefined(); // kinds do not mix
  });

  it('a change mark refuses the snapshots read before it, not those read after', async () => {
    const sa = snapshotsOf(a);
    const sb = snapshotsOf(b);
    const before = performance.now();
    sa.put('seats', '8', 8, '{"hasSeat":true}', before);
    await waitFor('written', () => sb.get('seats', '8'));
    sb.userChanged(8);
    await waitFor('refused', async () => ((await sa.get('seats', '8')) ? undefined : true));
    // a read that began before the change but is written after it: refused too
    sa.put('seats', '8', 8, '{"hasSeat":true}', before);
    await new Promise((r) => setTimeout(r, 50));
    expect(await sb.get('seats', '8')).toBeUndefined();
    // a read after the change serves again
    await new Promise((r) => setTimeout(r, 5));
    sa.put('seats', '8', 8, '{"hasSeat":false}', performance.now());
    const again = await waitFor('served again', () => sb.get('seats', '8'));
    expect(again.json).toBe('{"hasSeat":false}');
  });

  it('a change made while Redis is away is marked when it is back', async () => {
    const sa = snapshotsOf(a);
    const sb = snapshotsOf(b);
    sa.put('team', '9', 9, 'true', performance.now() - 1);
    await waitFor('written', () => sa.get('team', '9'));
    proxy.goAway();
    await waitFor('b down', async () => (b.isUp ? undefined : true));
    expect(await sb.get('team', '9')).toBeUndefined(); // away: nothing, at once
    sb.userChanged(9);
    expect(await sa.get('team', '9')).toBeDefined(); // not marked yet
    proxy.comeBack();
    await waitFor('marked after reconnect', async () =>
      (await sa.get('team', '9')) ? undefined : true,
    );
  });

  it('a snapshot changed in Redis, or signed with another secret, is not served', async () => {
    const sa = snapshotsOf(a);
    sa.put('token', 'digest-5', 5, '{"admin":false}', performance.now());
    await waitFor('written', () => sa.get('token', 'digest-5'));
    const other = new RedisIdentitySnapshots(
      b,
      prefix,
      60_000,
      log,
      () => 'another-secret-of-32-chars-or-more',
    );
    expect(await other.get('token', 'digest-5')).toBeUndefined();
    const raw = new Redis(redis.url);
    try {
      await raw.hset(`${prefix}idn:token:digest-5`, 'v', '{"admin":true}');
      expect(await sa.get('token', 'digest-5')).toBeUndefined();
    } finally {
      raw.disconnect();
    }
  });

  it('a snapshot expires with the staleness window from its read', async () => {
    const short = snapshotsOf(a, 300);
    short.put('token', 'digest-3', 3, '{}', performance.now());
    await waitFor('written', () => short.get('token', 'digest-3'));
    await waitFor('expired', async () =>
      (await short.get('token', 'digest-3')) ? undefined : true,
    );
    // a read already older than the window is not written at all
    short.put('token', 'digest-4', 4, '{}', performance.now() - 400);
    await new Promise((r) => setTimeout(r, 50));
    expect(await short.get('token', 'digest-4')).toBeUndefined();
  });
});
