import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { shippedCatalogue } from '../support/catalogue';
import {
  acceptanceGuardedCatalogue,
  seatedUsers,
  suggestionRound,
} from '../support/acceptance-traffic';
import { startStack, Stack } from '../support/stack';
import { startTestApp, type TestApp } from '../support/test-app';
import { BACKENDS, createPostgresDatabase } from '../support/test-database';
import { waitUntil } from '../support/wait';

jest.setTimeout(240_000);

const betaRule = shippedCatalogue().completionRules.find((r) => r.kind === 'beta');
if (betaRule?.kind !== 'beta' || !betaRule.model.gitlabIdentifier) {
  throw new Error('config/models.yml: the acceptance guard tests need a beta rule');
}
const FLAG = betaRule.flag;
const BETA_NAME = betaRule.model.gitlabIdentifier;
const MIN_SHOWN = 40;

interface Rollout {
  flag: string;
  percentage: number | null;
  status: {
    verdict: string;
    summary: string;
    beta: { shown: number; accepted: number };
    control: { shown: number; accepted: number };
  } | null;
  last_rollback: { at: string; reason: string } | null;
}

/**
 * The guard reads what the IDE reports: completions through the production bootstrap, then the
 * Language Server's events (`POST /api/v4/usage_data/track_event`, each user's own token), on
 * both databases. A beta whose suggestions are accepted far less is rolled back once the test is
 * sure; one accepted as much is left at its percentage.
 */
describe.each(BACKENDS)('rollout guard on acceptance (%s)', (backend) => {
  let s: Stack;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-acceptance-guard-'));
  const admin = () => ({ token: s.app.rootToken });

  beforeAll(async () => {
    s = await startStack({
      backend,
      env: {
        MODELS_FILE: acceptanceGuardedCatalogue(dir, MIN_SHOWN),
        ROLLOUT_GUARD_INTERVAL_MS: '200',
        ACCEPTANCE_FLUSH_INTERVAL_MS: '100',
      },
    });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const percentage = async () =>
    (await s.app.api.call('GET', `/api/v4/features/${FLAG}`, admin())).body.gates.find(
      (g: { key: string }) => g.key === 'percentage_of_actors',
    )?.value as number | undefined;

  const rollout = async (): Promise<Rollout> => {
    const r = await s.app.api.call('GET', '/api/v4/admin/console/acceptance', admin());
    expect(r.status).toBe(200);
    return r.body.rollouts.find((x: Rollout) => x.flag === FLAG);
  };

  const rollbacks = async () =>
    (
      await s.app.api.call(
        'GET',
        `/api/v4/audit_events?entity_type=FeatureFlag&entity_id=${FLAG}`,
        admin(),
      )
    ).body.filter((e: { event_name: string }) => e.event_name === 'rollout_guard_rollback');

  const round = (
    users: { token: string }[],
    n: number,
    accepts: (onBeta: boolean, n: number) => boolean,
  ) => suggestionRound(s, users, BETA_NAME, n, accepts);

  it('A/A: a beta accepted as often as the control is not rolled back; the verdict says after how many', async () => {
    const users = await seatedUsers(s, 30);
    await s.f.setFlag(FLAG, { value: 50, key: 'percentage_of_actors' });
    // both arms accept 1 in 3 suggestions
    let r: Rollout | undefined;
    for (let n = 0; n < 30; n++) {
      await round(users, n, (_beta, i) => i % 3 === 0);
      r = await rollout();
      if (
        (r.status?.beta.shown ?? 0) >= 2 * MIN_SHOWN &&
        (r.status?.control.shown ?? 0) >= 2 * MIN_SHOWN
      )
        break;
    }
    expect(r?.status?.verdict).toBe('no_evidence_of_harm');
    expect(r?.status?.summary).toMatch(/^no evidence of harm after \d+ shown \(/);
    expect(r?.status?.beta.shown).toBeGreaterThanOrEqual(2 * MIN_SHOWN);
    // the guard looks every 200 ms: it has looked many times at this data, and left it alone
    expect(await percentage()).toBe(50);
    expect(await rollbacks()).toHaveLength(0);
  });

  it('a beta accepted far less is rolled back to 0% once the test is sure: audited once, with the numbers', async () => {
    const users = await seatedUsers(s, 30);
    // a new stage (the flag changes): the A/A counts above are not part of this test
    await s.f.setFlag(FLAG, { value: 40, key: 'percentage_of_actors' });
    // control accepts 1 in 2, the beta 1 in 10
    for (let n = 0; n < 40 && (await percentage()) !== undefined; n++) {
      await round(users, n, (beta, i) => (beta ? i % 10 === 0 : i % 2 === 0));
    }
    expect(await percentage()).toBeUndefined();
    const events = await rollbacks();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      author_name: 'rollout-guard',
      details: { before: { percentage: 40 }, after: { percentage: 0 } },
    });
    expect(events[0].details.after.reason).toMatch(
      /^acceptance \d+\.\d% vs \d+\.\d% control: drop \d+\.\d points, 95\.0% CS \[\d+\.\d, \d+\.\d\] lies above the allowed 5\.0 points \(\d+ beta \/ \d+ control shown\)$/,
    );
    const r = await rollout();
    expect(r).toMatchObject({ percentage: null, status: null });
    expect(r.last_rollback?.reason).toBe(events[0].details.after.reason);
    const metrics = await s.app.api.call('GET', '/metrics');
    expect(metrics.text).toContain(`switchboard_rollout_guard_rollbacks_total{flag="${FLAG}"} 1`);
    // more suggestions after the rollback (users are on the default now): still one rollback
    await round(users, 99, () => false);
    await new Promise((res) => setTimeout(res, 1000)); // five guard intervals, for the record
    expect(await rollbacks()).toHaveLength(1);
  });

  it('the console endpoint refuses a bad window, naming the field', async () => {
    const r = await s.app.api.call('GET', '/api/v4/admin/console/acceptance?minutes=0', admin());
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/minutes/);
  });
});

/**
 * Two instances on one PostgreSQL database, both guarding the same shared counts: they judge
 * alike within one guard interval of each other, and the flag is rolled back and audited once.
 */
(process.env.TEST_DATABASE_URL ? describe : describe.skip)(
  'rollout guard on acceptance, two instances on one database',
  () => {
    let s: Stack;
    let other: TestApp;
    let db: { url: string; drop(): Promise<void> };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-acceptance-fleet-'));

    beforeAll(async () => {
      db = await createPostgresDatabase();
      const env = {
        DATABASE_URL: db.url,
        MODELS_FILE: acceptanceGuardedCatalogue(dir, MIN_SHOWN),
        ROLLOUT_GUARD_INTERVAL_MS: '100',
        ACCEPTANCE_FLUSH_INTERVAL_MS: '100',
        // one database, one signing key: both instances must decrypt it
        SIGNING_KEY_SECRET: 'rollout-guard-fleet-signing-key-secret-0123456789',
      };
      s = await startStack({ env });
      other = await startTestApp({ env: { ...env, AIGW_URL: s.stub.url } });
    }, 120_000);
    afterAll(async () => {
      await other?.close();
      await s?.close();
      await db?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('one rollback, one audit event, whichever instance got there first', async () => {
      const users = await seatedUsers(s, 30);
      await s.f.setFlag(FLAG, { value: 50, key: 'percentage_of_actors' });
      const pctAt = async (app: TestApp) =>
        (
          await app.api.call('GET', `/api/v4/features/${FLAG}`, { token: app.rootToken })
        ).body.gates.find((g: { key: string }) => g.key === 'percentage_of_actors')?.value as
          number | undefined;
      // both instances guard this stage (the other one reads the flag from the database)
      await waitUntil(async () => (await pctAt(other)) === 50, 'the other instance sees 50%');
      const rolledBack = async () =>
        (await pctAt(s.app)) === undefined && (await pctAt(other)) === undefined;
      for (let n = 0; n < 40 && !(await rolledBack()); n++) {
        await suggestionRound(s, users, BETA_NAME, n, (beta, i) =>
          beta ? i % 10 === 0 : i % 2 === 0,
        );
      }
      expect(await rolledBack()).toBe(true);
      await new Promise((res) => setTimeout(res, 1000)); // ten guard intervals of each instance
      const audit = (
        await s.app.api.call(
          'GET',
          `/api/v4/audit_events?entity_type=FeatureFlag&entity_id=${FLAG}`,
          { token: s.app.rootToken },
        )
      ).body as { event_name: string; author_name: string }[];
      expect(audit.filter((e) => e.event_name === 'rollout_guard_rollback')).toHaveLength(1);
      // the flag write itself (the store's own audit event) also happened once
      expect(audit.filter((e) => e.author_name === 'rollout-guard')).toHaveLength(2);
    });
  },
);
