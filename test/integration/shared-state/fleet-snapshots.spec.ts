// The console's per-process snapshots on a real redis-server: each process sees the others'
// latest snapshot, never its own; one that stops publishing ages out.
import * as fs from 'node:fs';
import pino from 'pino';
import { RedisFleetSnapshots } from '../../../src/shared-state/fleet-snapshots';
import { RedisConnection } from '../../../src/shared-state/redis-connection';
import { waitFor } from '../../support/fleet/processes';
import { RedisServer } from '../../support/fleet/redis-server';

const runnable = fs.existsSync('/usr/bin/redis-server');
if (!runnable && process.env.CI === 'true') throw new Error('CI: redis-server is missing');
jest.setTimeout(60_000);

(runnable ? describe : describe.skip)('fleet snapshots on redis-server', () => {
  const log = pino({ level: 'silent' });
  const prefix = `s${Date.now()}:`;
  let redis: RedisServer;
  let connection: RedisConnection;

  beforeAll(async () => {
    redis = await RedisServer.start();
    connection = new RedisConnection(redis.url, log);
    await waitFor('connected', async () => connection.isUp || undefined);
  });
  afterAll(async () => {
    await connection?.close();
    await redis?.stop();
  });

  it("each process reads the others' latest snapshots; a silent one ages out", async () => {
    const snapshots = (name: string, ttlMs: number) =>
      new RedisFleetSnapshots(connection, prefix, log, ttlMs, {
        instance: 'host:1',
        process: `host:1:${name}`,
      });
    const a = snapshots('a', 60_000);
    const b = snapshots('b', 300); // stops publishing below: gone after 300 ms
    a.publish({ n: 1 });
    b.publish({ n: 2 });
    b.publish({ n: 3 }); // replaces b's earlier one
    const seenByA = await waitFor('b visible to a', async () => {
      const o = await a.others();
      return o.length === 1 && (o[0].data as { n: number }).n === 3 ? o : undefined;
    });
    expect(seenByA).toEqual([{ instance: 'host:1', process: 'host:1:b', data: { n: 3 } }]);
    expect(await b.others()).toEqual([{ instance: 'host:1', process: 'host:1:a', data: { n: 1 } }]);
    await waitFor('b aged out', async () => ((await a.others()).length === 0 ? true : undefined));
    expect((await b.others()).map((o) => o.process)).toEqual(['host:1:a']);
  });
});
