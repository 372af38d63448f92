// One instance as it runs in production with WORKERS=2 (node:cluster) on PostgreSQL and Redis:
// a scrape reaches whichever worker node:cluster hands the connection to, and must still count
// the completions every worker served, once each.
import * as fs from 'node:fs';
import { startStubGateway, type StubGateway } from '../../src/stub-gateway/stub-gateway';
import { Factory } from '../support/factories';
import { metricSum, PRIMARY, samples } from '../support/failover-helpers';
import { complete } from '../support/fleet/fleet';
import { call, statuses } from '../support/fleet/http';
import { Instance } from '../support/fleet/instance';
import { waitFor } from '../support/fleet/processes';
import { RedisServer } from '../support/fleet/redis-server';
import { itWithPromtool, promtoolCheck } from '../support/promtool';
import { Api } from '../support/test-app';
import { createPostgresDatabase } from '../support/test-database';

const runnable =
  process.env.TEST_DATABASE_URL !== undefined && fs.existsSync('/usr/bin/redis-server');
if (!runnable && process.env.CI === 'true')
  throw new Error('CI: the cluster metrics e2e needs TEST_DATABASE_URL and redis-server');

jest.setTimeout(180_000);

const ROOT = 'cluster-metrics-root-token-0123456789';
const N = 24;
const COMPLETED = /"msg":"request completed"/;

(runnable ? describe : describe.skip)('metrics of a WORKERS=2 instance (PostgreSQL, Redis)', () => {
  let redis: RedisServer;
  let db: { url: string; drop(): Promise<void> };
  let stub: StubGateway;
  let instance: Instance | undefined;
  const scrape = async () => {
    const r = await call(instance!.url, 'GET', '/metrics');
    expect(r.status).toBe(200);
    return r.body as string;
  };
  /** Worker ids of the completions the instance logged (each worker logs its own). */
  const completionWorkers = () =>
    instance!.output
      .split('\n')
      .filter(
        (l) => COMPLETED.test(l) && l.includes('"url":"/api/v4/code_suggestions/completions"'),
      )
      .map((l) => (JSON.parse(l) as { worker: number }).worker);

  beforeAll(async () => {
    redis = await RedisServer.start();
    db = await createPostgresDatabase();
    stub = await startStubGateway({
      trustedIssuers: () => (instance ? [instance.url] : []),
      streamChunkDelayMs: 1,
    });
    instance = await Instance.start('metrics', 2, {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      AIGW_URL: stub.url,
      INITIAL_ROOT_TOKEN: ROOT,
      SIGNING_KEY_SECRET: 'cluster-metrics-signing-key-secret-0123456789',
      RATE_LIMIT_COMPLETIONS_PER_MINUTE: '100000',
    });
  }, 180_000);

  afterAll(async () => {
    await instance?.stop();
    await stub?.close();
    await redis?.stop();
    await db?.drop();
  }, 60_000);

  it('N completions spread over both workers: every scrape, whichever worker answers it, counts exactly N', async () => {
    const { user } = await new Factory(new Api(instance!.url), ROOT).seatedUser();
    expect(metricSum(await scrape(), 'switchboard_completion_seconds_count', {})).toBe(0);

    for (let i = 0; i < N; i += 4)
      expect(await statuses(4, () => complete(instance!.url, user.token))).toEqual([
        200, 200, 200, 200,
      ]);
    // Both workers served some (without that the test would prove nothing about aggregation).
    const workers = await waitFor('every completion logged', async () => {
      const w = completionWorkers();
      return w.length >= N ? w : undefined;
    });
    expect(new Set(workers).size).toBe(2);

    // Each scrape is a new connection: node:cluster hands them to the workers in turn.
    for (let i = 0; i < 6; i++) {
      const text = await scrape();
      expect(metricSum(text, 'switchboard_completion_seconds_count', {})).toBe(N);
      expect(
        // the default model on /v4, labelled as the gateway serves it (gitlab + identifier)
        metricSum(text, 'switchboard_completion_seconds_count', {
          api: 'v4',
          provider: PRIMARY.provider,
          model: PRIMARY.model,
          outcome: 'answered',
        }),
      ).toBe(N);
      expect(
        metricSum(text, 'switchboard_requests_total', {
          endpoint: '/api/v4/code_suggestions/completions',
          status: '200',
        }),
      ).toBe(N);
      expect(metricSum(text, 'switchboard_workers_reporting', {})).toBe(2);
      // No per-process series: the start time of one worker or the other would flip between scrapes.
      expect(samples(text, 'switchboard_process_start_time_seconds')).toEqual([]);
      expect(metricSum(text, 'switchboard_shared_state_up', {})).toBe(1);
    }
  });

  itWithPromtool('the aggregated scrape is `promtool check metrics` clean', async () => {
    expect(promtoolCheck(await scrape())).toEqual({ status: 0, output: '' });
  });

  it("the console's traffic, whichever worker answers the poll, adds up both workers and says so", async () => {
    const admin = await new Factory(new Api(instance!.url), ROOT).user({ admin: true });
    const before = completionWorkers().length; // the N completions of the first case
    const poll = async () => {
      const r = await call(instance!.url, 'GET', '/api/v4/admin/console/traffic', {
        token: admin.token,
      });
      expect(r.status).toBe(200);
      // the complete minutes and the minute under way
      const answered = [
        ...Object.values(r.body.by.model as Record<string, number[]>).flat(),
        ...Object.values(r.body.current.by.model as Record<string, number>),
      ].reduce((a, b) => a + b, 0);
      return { reporting: r.body.reporting, answered };
    };
    expect(before).toBeGreaterThanOrEqual(N);
    const expected = { reporting: { processes: 2, instances: 1 }, answered: before };
    // Each worker publishes its snapshot every 2 s: wait until both have (four polls at once,
    // so node:cluster hands them to both workers), then every poll must agree.
    await waitFor('both workers in the console traffic', async () => {
      const polls = await Promise.all(Array.from({ length: 4 }, poll));
      return polls.every((p) => JSON.stringify(p) === JSON.stringify(expected)) ? true : undefined;
    });
    for (let i = 0; i < 6; i++) expect(await poll()).toEqual(expected);
  });
});
