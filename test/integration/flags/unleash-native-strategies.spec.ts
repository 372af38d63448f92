import { launchChromium, waitForText } from '../../support/browser';
import { Factory } from '../../support/factories';
import { startTestApp, TestApp } from '../../support/test-app';
import {
  constraints,
  startUnleashServer,
  strategies,
  UnleashAdmin,
  UnleashTestServer,
  unleashServiceEnv,
} from '../../support/unleash';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(90_000);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildConsole } = require('../../../scripts/build-console.js') as {
  buildConsole(): Promise<string>;
};

const FLAG = 'code_completion_model_codestral_2508_vertex';
const unleashDb = process.env.TEST_UNLEASH_DATABASE_URL;
const suite = unleashDb ? describe : describe.skip;

const waitFor = async (check: () => Promise<boolean>, ms: number, what: string) => {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/**
 * Issue #26: a strategy an admin made in Unleash itself (flexibleRollout 100 % with a
 * `userId IN [...]` constraint) is shown, evaluated and named by the Features API, and no
 * Features API write removes it unless the admin says so (discard_unleash_strategies).
 */
suite('strategies made in Unleash are the admin’s data (real Unleash server)', () => {
  let unleash: UnleashTestServer;
  let app: TestApp;
  let f: Factory;
  let direct: UnleashAdmin;
  const root = () => ({ token: app.rootToken });
  const path = `/api/v4/features/${FLAG}`;
  const get = async () => (await app.api.call('GET', path, root())).body;
  const evaluate = async (username: string) =>
    (await app.api.call('GET', `${path}/evaluate?user=${username}`, root())).body;
  const write = (body: Record<string, unknown>, query = '') =>
    app.api.call('POST', `${path}${query}`, { ...root(), body });
  const held = async () => {
    const env = (await direct.getFeature(FLAG)).environments?.find(
      (e) => e.name === unleash.environment,
    );
    return { enabled: env?.enabled, strategies: env?.strategies ?? [] };
  };

  beforeAll(async () => {
    unleash = await startUnleashServer({ databaseUrl: unleashDb! });
    app = await startTestApp({
      env: { ...unleashServiceEnv(unleash), UNLEASH_REFRESH_INTERVAL_MS: '300' },
    });
    f = new Factory(app.api, app.rootToken);
    direct = new UnleashAdmin({
      url: unleash.url,
      adminToken: unleash.adminToken,
      environment: unleash.environment,
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await unleash?.stop();
  });

  it('shows, evaluates and keeps it through every write; only discard_unleash_strategies removes it', async () => {
    const alice = (await f.seatedUser()).user;
    const bob = (await f.seatedUser()).user;
    const [theirs] = await direct.createFlag(FLAG, [
      strategies.flexibleRollout({ rollout: 100 }, [
        constraints.in('userId', [`User:${alice.id}`]),
      ]),
    ]);
    await waitFor(async () => (await get()).state === 'conditional', 10_000, 'the poll');

    // 1. Shown as such: an Unleash-native entry with its parameters and constraints.
    const shown = await get();
    expect(shown.gates).toContainEqual({
      key: 'unleash_strategies',
      value: [
        expect.objectContaining({
          source: 'unleash',
          name: 'flexibleRollout',
          parameters: expect.objectContaining({ rollout: '100' }),
          constraints: [
            expect.objectContaining({
              contextName: 'userId',
              operator: 'IN',
              values: [`User:${alice.id}`],
            }),
          ],
          active: true,
        }),
      ],
    });
    const listed = (await app.api.call('GET', '/api/v4/features', root())).body as any[];
    expect(listed.find((x) => x.name === FLAG)?.state).toBe('conditional');
    expect(await evaluate(alice.username)).toMatchObject({
      enabled: true,
      gate: 'unleash_strategy',
      strategy: { name: 'flexibleRollout' },
    });
    expect(await evaluate(bob.username)).toMatchObject({ enabled: false, gate: 'none' });

    // 2. The write that used to replace everything (value=true&user=...) now merges.
    const merged = await write({ value: true, user: bob.username });
    expect(merged.status).toBe(201);
    expect(merged.body.gates).toContainEqual({ key: 'actors', value: [`User:${bob.id}`] });
    expect(JSON.stringify(merged.body.gates)).toContain('unleash_strategies');
    const afterMerge = await held();
    expect(afterMerge.strategies.map((s) => s.id)).toContain(theirs.id);
    expect(afterMerge.strategies.map((s) => s.name).sort()).toEqual([
      'flexibleRollout',
      'flipperActors',
    ]);
    expect((await evaluate(alice.username)).gate).toBe('unleash_strategy');
    expect((await evaluate(bob.username)).gate).toBe('actors');

    // 3. Off for everyone: the environment is switched off; their strategy stays, inactive.
    const off = await write({ value: false });
    expect(off.status).toBe(201);
    expect(off.body.state).toBe('off');
    const afterOff = await held();
    expect(afterOff.enabled).toBe(false);
    expect(afterOff.strategies.map((s) => s.id)).toEqual([theirs.id]);
    expect((await evaluate(alice.username)).enabled).toBe(false);

    // 4. Switching it back on would revive their strategy: 409 naming it, nothing changed.
    const refused = await write({ value: true, user: bob.username });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain(`userId IN [User:${alice.id}]`);
    expect(refused.body.message).toContain('discard_unleash_strategies=true');
    expect(await held()).toEqual(afterOff);
    const del = await app.api.call('DELETE', path, root());
    expect(del.status).toBe(409);
    expect(del.body.message).toContain('flexibleRollout');
    expect(await held()).toEqual(afterOff);

    // 5. The explicit option removes it, and the audit says so.
    const discarded = await write(
      { value: true, user: bob.username },
      '?discard_unleash_strategies=True',
    );
    expect(discarded.status).toBe(201);
    expect(JSON.stringify(discarded.body.gates)).not.toContain('unleash_strategies');
    const afterDiscard = await held();
    expect(afterDiscard.enabled).toBe(true);
    expect(afterDiscard.strategies.map((s) => s.name)).toEqual(['flipperActors']);
    const audit = await app.api.call(
      'GET',
      `/api/v4/audit_events?entity_type=FeatureFlag&entity_id=${FLAG}`,
      root(),
    );
    expect(audit.body[0].details).toMatchObject({
      before: {
        gates: expect.arrayContaining([expect.objectContaining({ key: 'unleash_strategies' })]),
      },
      after: { discard_unleash_strategies: true },
    });
    expect((await app.api.call('DELETE', path, root())).status).toBe(204);
  });

  it('the console shows a strategy made in Unleash, as Unleash holds it', async () => {
    // Another flag than the test above: its DELETE is this instance's own write, which it
    // answers (read-your-writes) until a poll shows it, and that would hide a new Unleash flag.
    const V4 = 'code_completion_v4_endpoint';
    await buildConsole();
    await direct.createFlag(V4, [
      strategies.flexibleRollout({ rollout: 100 }, [constraints.in('userId', ['User:77'])]),
    ]);
    await waitFor(
      async () =>
        (await app.api.call('GET', `/api/v4/features/${V4}`, root())).body.state === 'conditional',
      10_000,
      'the poll',
    );
    const chromium = await launchChromium();
    try {
      const page = await chromium.newPage();
      await page.goto(`${app.url}/admin`, { waitUntil: 'load' });
      await page.type('#token', app.rootToken);
      await page.keyboard.press('Enter');
      await page.waitForSelector('nav');
      await waitForText(page, 'made in Unleash: flexibleRollout');
      await waitForText(page, 'rollout=100');
      await waitForText(page, 'userId IN [User:77]');
      await waitForText(page, 'conditional', `[data-testid="state-${V4}"]`);
    } finally {
      await chromium.close();
      await app.api.call(
        'DELETE',
        `/api/v4/features/${V4}?discard_unleash_strategies=true`,
        root(),
      );
    }
  });
});
