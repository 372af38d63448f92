// Two instances on one PostgreSQL database and one Redis: a completion served by one, its
// suggestion's events posted to the other, the counts read from either. The served decision
// reaches the other instance on the change bus (Redis), never through the database.
import * as fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { startStubGateway, type StubGateway } from '../../src/stub-gateway/stub-gateway';
import { Factory } from '../support/factories';
import { RedisServer } from '../support/fleet/redis-server';
import { completionBody } from '../support/stack';
import { startTestApp, type TestApp } from '../support/test-app';
import { createPostgresDatabase } from '../support/test-database';
import { waitUntil } from '../support/wait';

const runnable =
  process.env.TEST_DATABASE_URL !== undefined && fs.existsSync('/usr/bin/redis-server');
if (!runnable && process.env.CI === 'true')
  throw new Error('CI: the acceptance fleet e2e needs TEST_DATABASE_URL and redis-server');

jest.setTimeout(120_000);

const BETA_FLAG = 'code_completion_model_codestral_2508_vertex';
const BETA_KEY = 'codestral-2508-vertex';

(runnable ? describe : describe.skip)('suggestion acceptance across instances', () => {
  let redis: RedisServer;
  let db: { url: string; drop(): Promise<void> };
  let stub: StubGateway;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redis = await RedisServer.start();
    db = await createPostgresDatabase();
    const issuers: string[] = [];
    stub = await startStubGateway({ trustedIssuers: () => issuers });
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      AIGW_URL: stub.url,
      ACCEPTANCE_FLUSH_INTERVAL_MS: '100',
      SIGNING_KEY_SECRET: 'acceptance-fleet-signing-key-secret-0123456789',
    };
    a = await startTestApp({ env });
    b = await startTestApp({ env });
    issuers.push(a.running.config.http.publicUrl, b.running.config.http.publicUrl);
    // A change told while a process is not yet connected to Redis is not sent (the bus is
    // fire-and-forget): start once both are on Redis, as a deployed fleet is.
    for (const app of [a, b])
      await waitUntil(async () => {
        const r = await app.api.call('GET', '/-/readiness');
        return r.body?.checks?.shared_state?.detail?.redis === 'up';
      }, 'both instances on Redis');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await stub?.close();
    await redis?.stop();
    await db?.drop();
  });

  const arms = async (app: TestApp) => {
    const r = await app.api.call('GET', '/api/v4/code_suggestions/acceptance?minutes=10', {
      token: app.rootToken,
    });
    expect(r.status).toBe(200);
    return r.body.arms as Array<{ model: string; arm: string; gate: string | null; shown: number }>;
  };
  const shown = (rows: Awaited<ReturnType<typeof arms>>, model: string, arm: string) =>
    rows.find((r) => r.model === model && r.arm === arm)?.shown ?? 0;

  it('attributes an event posted to instance b to the beta decision instance a served', async () => {
    const f = new Factory(a.api, a.rootToken);
    const { user } = await f.seatedUser();
    await f.setFlag(BETA_FLAG, { value: true, user: user.username });
    const served = await a.api.call('POST', '/api/v4/code_suggestions/completions', {
      token: user.token,
      body: completionBody(),
    });
    expect(served.status).toBe(200);
    const model = served.body.model as { engine: string; name: string };
    expect(model.name).toBe('codestral_2508_vertex');

    // Each try is one new suggestion posted to b; the next try starts once b has written it
    // (visible from a): until the decision a published has reached b, it counts as unknown.
    const beta = `beta:${BETA_FLAG}`;
    let attributed = false;
    for (let i = 0; i < 20 && !attributed; i++) {
      const before = await arms(a);
      const seen = () => shown(before, BETA_KEY, beta) + shown(before, BETA_KEY, 'unknown');
      const r = await b.api.call('POST', '/api/v4/usage_data/track_event', {
        token: user.token,
        body: {
          event: 'code_suggestion_shown_in_ide',
          additional_properties: {
            unique_tracking_id: randomUUID(),
            ...{ model_name: model.name, model_engine: model.engine },
          },
        },
      });
      expect(r.status).toBe(200);
      let after = before;
      await waitUntil(async () => {
        after = await arms(a);
        return shown(after, BETA_KEY, beta) + shown(after, BETA_KEY, 'unknown') === seen() + 1;
      }, 'b to write the suggestion');
      attributed = shown(after, BETA_KEY, beta) === shown(before, BETA_KEY, beta) + 1;
    }
    expect(attributed).toBe(true);
    // one truth: both instances read the same counts
    const [fromA, fromB] = [await arms(a), await arms(b)];
    expect(shown(fromB, BETA_KEY, beta)).toBe(shown(fromA, BETA_KEY, beta));
    expect(fromA.find((r) => r.arm === beta)?.gate).toBe('actors');
  });
});
