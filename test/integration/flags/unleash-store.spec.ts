import { toUnleashContext, userSubject } from '../../../src/flags/flag-context';
import { evaluateState } from '../../../src/flags/flag-engine';
import { FlagsService } from '../../../src/flags/flags.service';
import { emptyGates } from '../../../src/flags/gates';
import { Factory } from '../../support/factories';
import { startTestApp, TestApp } from '../../support/test-app';
import { startHttpFaultProxy } from '../../support/http-fault-proxy';
import {
  startUnleashServer,
  UnleashAdmin,
  UnleashAdminError,
  UnleashTestServer,
  unleashServiceEnv,
} from '../../support/unleash';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

const FLAG = 'code_completion_model_codestral_2508_vertex';
const unleashDb = process.env.TEST_UNLEASH_DATABASE_URL;
const suite = unleashDb ? describe : describe.skip;

const waitFor = async (check: () => Promise<boolean>, ms: number, what: string) => {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
};

suite('flags backed by a real Unleash server', () => {
  let unleash: UnleashTestServer;
  let app: TestApp;
  let f: Factory;
  const admin = () => ({ token: app.rootToken });
  const evaluate = async (username: string) =>
    (await app.api.call('GET', `/api/v4/features/${FLAG}/evaluate?user=${username}`, admin())).body;

  beforeAll(async () => {
    unleash = await startUnleashServer({ databaseUrl: unleashDb! });
    app = await startTestApp({
      env: {
        ...unleashServiceEnv(unleash),
        UNLEASH_REFRESH_INTERVAL_MS: '300',
        FLAGS_STALE_AFTER_MS: '2000',
      },
    });
    f = new Factory(app.api, app.rootToken);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await unleash?.stop();
  });

  it('toggles through the Features API write to Unleash and the decision follows', async () => {
    const { user, group } = await f.seatedUser();
    expect((await evaluate(user.username)).enabled).toBe(false);
    expect((await evaluate(user.username)).source).toBe('unleash');

    const set = await f.setFlag(FLAG, { value: true, user: user.username });
    expect(set.gates).toContainEqual({ key: 'actors', value: [`User:${user.id}`] });
    await waitFor(async () => (await evaluate(user.username)).enabled === true, 5000, 'actor gate');

    // group actor through seat groups, and the GET shows what Unleash holds
    await f.setFlag(FLAG, { value: false, user: user.username });
    await f.setFlag(FLAG, { value: true, group: group.full_path });
    const purchases = await app.api.call(
      'GET',
      `/api/v4/groups/${group.id}/add_on_purchases`,
      admin(),
    );
    const other = await f.seatedUser({ group, purchaseId: purchases.body[0].id });
    await waitFor(
      async () => (await evaluate(other.user.username)).enabled === true,
      5000,
      'group gate',
    );
    const got = await app.api.call('GET', `/api/v4/features/${FLAG}`, admin());
    expect(got.body.gates).toContainEqual({ key: 'actors', value: [`Group:${group.id}`] });

    // sticky percentage of actors evaluated by unleash-client
    await f.setFlag(FLAG, { value: false });
    await f.setFlag(FLAG, { value: 100, key: 'percentage_of_actors' });
    await waitFor(
      async () => (await evaluate(user.username)).enabled === true,
      5000,
      'percentage gate',
    );
  }, 60_000);

  it('a 30 % -> 60 % rollout of actors never drops an actor, and picks the same actors as the embedded store', async () => {
    const flags = app.running.app.get(FlagsService);
    const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
    const inUnleash = () =>
      new Set(ids.filter((id) => flags.isEnabled(FLAG, userSubject(id, [], undefined, []))));
    const inEmbedded = (pct: number) =>
      new Set(
        ids.filter((id) =>
          evaluateState(
            { name: FLAG, persisted: true, gates: { ...emptyGates(), percentageOfActors: pct } },
            toUnleashContext(userSubject(id, [], undefined, [])),
            false,
          ),
        ),
      );
    const rollTo = async (pct: number) => {
      await f.setFlag(FLAG, { value: pct, key: 'percentage_of_actors' });
      await waitFor(
        async () => flags.get(FLAG).gates.percentageOfActors === pct,
        5000,
        `${pct} % to reach the service`,
      );
      return inUnleash();
    };
    await f.setFlag(FLAG, { value: false });

    const at30 = await rollTo(30);
    expect(at30.size).toBeGreaterThan(250);
    expect(at30.size).toBeLessThan(350);
    expect([...at30].sort()).toEqual([...inEmbedded(30)].sort());

    const at60 = await rollTo(60);
    expect(at60.size).toBeGreaterThan(550);
    expect(at60.size).toBeLessThan(650);
    expect([...at30].filter((id) => !at60.has(id))).toEqual([]);
    expect([...at60].sort()).toEqual([...inEmbedded(60)].sort());
    await f.setFlag(FLAG, { value: false });
  }, 60_000);

  it('keeps the last known decisions when Unleash goes away, reports stale, and recovers', async () => {
    const { user } = await f.seatedUser();
    await f.setFlag(FLAG, { value: true });
    await waitFor(async () => (await evaluate(user.username)).enabled === true, 5000, 'flag on');

    await unleash.kill();
    await waitFor(
      async () =>
        (await app.api.call('GET', '/-/readiness')).body.checks.flags.detail.stale === true,
      8000,
      'stale',
    );
    for (let i = 0; i < 20; i++) expect((await evaluate(user.username)).enabled).toBe(true);
    const ready = await app.api.call('GET', '/-/readiness');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');

    // a write while Unleash is down fails clearly and changes nothing
    const write = await app.api.call('POST', `/api/v4/features/${FLAG}`, {
      ...admin(),
      body: { value: false },
    });
    expect(write.status).toBe(503);
    expect((await evaluate(user.username)).enabled).toBe(true);

    await unleash.restart();
    await waitFor(
      async () =>
        (await app.api.call('GET', '/-/readiness')).body.checks.flags.detail.stale === false,
      15000,
      'fresh',
    );
    await f.setFlag(FLAG, { value: false });
    await waitFor(
      async () => (await evaluate(user.username)).enabled === false,
      5000,
      'flag off after recovery',
    );
  }, 90_000);

  it('undoes a write that Unleash fails halfway, leaving the flag as it was', async () => {
    const V4 = 'code_completion_v4_endpoint';
    const proxy = await startHttpFaultProxy(unleash.url);
    const direct = new UnleashAdmin({
      url: unleash.url,
      adminToken: unleash.adminToken,
      environment: unleash.environment,
    });
    const held = async () => {
      const env = (await direct.getFeature(V4)).environments?.find(
        (e) => e.name === unleash.environment,
      );
      if (!env) throw new Error(`${V4} has no ${unleash.environment} environment in Unleash`);
      return {
        enabled: env.enabled,
        strategies: (env.strategies ?? [])
          .map((s) => JSON.stringify([s.name, s.parameters, s.constraints]))
          .sort(),
      };
    };
    const viaProxy = await startTestApp({
      env: {
        ...unleashServiceEnv(unleash, proxy.url),
        UNLEASH_REFRESH_INTERVAL_MS: '300',
      },
    });
    try {
      const f2 = new Factory(viaProxy.api, viaProxy.rootToken);
      const write = (body: Record<string, unknown>) =>
        viaProxy.api.call('POST', `/api/v4/features/${V4}`, {
          token: viaProxy.rootToken,
          body,
        });
      const { user, group } = await f2.seatedUser();

      // 1. Off -> on for a user: the strategy is added, then turning the environment on fails.
      await f2.setFlag(V4, { value: false });
      const off = await held();
      expect(off.enabled).toBe(false);
      proxy.failNext('POST', /\/environments\/[^/]+\/on$/);
      const failedOn = await write({ value: true, user: user.username });
      expect(failedOn.status).toBe(503);
      expect(failedOn.body.message).toMatch(/nothing was applied/);
      expect(proxy.faulted).toHaveLength(1);
      expect(await held()).toEqual(off);

      // 2. On for a user -> add a group: the new strategy is added, deleting the old one fails.
      await f2.setFlag(V4, { value: true, user: user.username });
      const before = await held();
      expect(before.enabled).toBe(true);
      proxy.failNext('DELETE', /\/strategies\/[^/]+$/);
      const failedSwap = await write({ value: true, group: group.full_path });
      expect(failedSwap.status).toBe(503);
      expect(proxy.faulted).toHaveLength(2);
      const afterSwap = await held();
      expect(afterSwap).toEqual(before);
      // once polled, the Features API reports what Unleash holds: the user gate only
      await waitFor(
        async () => {
          const got = await viaProxy.api.call('GET', `/api/v4/features/${V4}`, {
            token: viaProxy.rootToken,
          });
          const gates = JSON.stringify(got.body.gates);
          return gates.includes(`"User:${user.id}"`) && !gates.includes(`Group:${group.id}`);
        },
        5000,
        'the Features API to show the user gate only',
      );

      // and with no fault the same write goes through
      await f2.setFlag(V4, { value: true, group: group.full_path });
      expect((await held()).strategies).not.toEqual(before.strategies);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  }, 90_000);
  it('a failed first write of a new flag leaves nothing in Unleash, and a half-undone one says so', async () => {
    const KILL = 'ai_duo_code_suggestions_switch'; // default on: Unleash has no feature for it yet
    const proxy = await startHttpFaultProxy(unleash.url);
    const direct = new UnleashAdmin({
      url: unleash.url,
      adminToken: unleash.adminToken,
      environment: unleash.environment,
    });
    const exists = () =>
      direct.getFeature(KILL).then(
        () => true,
        (err: unknown) => {
          if (err instanceof UnleashAdminError && err.status === 404) return false;
          throw err;
        },
      );
    const viaProxy = await startTestApp({
      env: {
        ...unleashServiceEnv(unleash, proxy.url),
        UNLEASH_REFRESH_INTERVAL_MS: '300',
      },
    });
    try {
      const root = { token: viaProxy.rootToken };
      const { user } = await new Factory(viaProxy.api, viaProxy.rootToken).seatedUser();
      const write = (body: Record<string, unknown>) =>
        viaProxy.api.call('POST', `/api/v4/features/${KILL}`, { ...root, body });
      const killSwitch = async () =>
        (
          await viaProxy.api.call(
            'GET',
            `/api/v4/features/${KILL}/evaluate?user=${user.username}`,
            root,
          )
        ).body;
      const audits = async () =>
        (
          await viaProxy.api.call(
            'GET',
            `/api/v4/audit_events?entity_type=FeatureFlag&entity_id=${KILL}`,
            root,
          )
        ).body as Array<{ details: { before: unknown } }>;
      /** Waits until the Unleash client (polling through the proxy) has asked `n` more times. */
      const clientPolls = async (n: number) => {
        const count = () =>
          proxy.seen.filter((l) => l.startsWith('GET /api/client/features')).length;
        const target = count() + n;
        await waitFor(async () => count() >= target, 30_000, `${n} Unleash client polls`);
      };
      expect(await exists()).toBe(false);

      // 1. The strategy call fails: the feature it created is deleted again, nothing is audited.
      proxy.failNext('POST', /\/environments\/[^/]+\/strategies$/);
      const failed = await write({ value: true, user: user.username });
      expect(failed.status).toBe(503);
      expect(failed.body.message).toMatch(new RegExp(`${KILL}, nothing was applied`));
      expect(await exists()).toBe(false);
      expect(await audits()).toHaveLength(0);
      await clientPolls(3); // a few polls later: still the default (on)
      expect(await killSwitch()).toMatchObject({ enabled: true, gate: 'default_enabled' });

      // 2. The strategy call fails and so does deleting the created feature: the answer says the
      //    change may be partially applied; the leftover (still marked pending) keeps the default.
      proxy.failNext('POST', /\/environments\/[^/]+\/strategies$/);
      proxy.failNext('DELETE', new RegExp(`/features/${KILL}$`));
      const halfUndone = await write({ value: true, user: user.username });
      expect(halfUndone.status).toBe(503);
      expect(halfUndone.body.message).toMatch(KILL);
      expect(halfUndone.body.message).toMatch(/may be partially applied/);
      expect(halfUndone.body.message).not.toMatch(/nothing was applied/);
      expect(await exists()).toBe(true);
      await clientPolls(3);
      expect(await killSwitch()).toMatchObject({ enabled: true, gate: 'default_enabled' });

      // 3. The next write finishes it; the audit's "before" is the default (on), not "off".
      await new Factory(viaProxy.api, viaProxy.rootToken).setFlag(KILL, { value: true });
      const feature = await direct.getFeature(KILL);
      expect(feature.description ?? '').not.toMatch(/switchboard/);
      expect(feature.environments?.find((e) => e.name === unleash.environment)?.enabled).toBe(true);
      const [event] = await audits();
      expect(event.details.before).toMatchObject({
        at_default: true,
        default_enabled: true,
        state: 'on',
      });
      await waitFor(
        async () => (await killSwitch()).gate === 'boolean',
        5000,
        'the kill switch to be read from Unleash',
      );
      expect((await killSwitch()).enabled).toBe(true);

      // 4. DELETE whose second step (delete from the archive) fails says what happened.
      proxy.failNext('DELETE', new RegExp(`/archive/${KILL}$`));
      const removed = await viaProxy.api.call('DELETE', `/api/v4/features/${KILL}`, root);
      expect(removed.status).toBe(503);
      expect(removed.body.message).toMatch(/archived in Unleash .*back to its default.*retry/);
      expect(removed.body.message).not.toMatch(/nothing was changed/);
      // Every failure above was one this test injected; the proxy broke nothing by itself.
      expect(proxy.broken).toEqual([]);
      expect(proxy.faulted).toHaveLength(4);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  }, 90_000);
});
