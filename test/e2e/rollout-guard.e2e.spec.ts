import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { shippedCatalogue } from '../support/catalogue';
import { PRIMARY_MODEL, servedModel } from '../support/failover-helpers';
import { completionBody, startStack, Stack } from '../support/stack';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

const betaRule = shippedCatalogue().completionRules.find((r) => r.kind === 'beta');
if (betaRule?.kind !== 'beta' || !betaRule.model.gitlabIdentifier) {
  throw new Error('config/models.yml: the rollout guard tests need a beta rule with an identifier');
}
const FLAG = betaRule.flag;
/** The beta model as the gateway serves it (v4 sends its identifier): a stub fault target. */
const BETA = { provider: 'gitlab', model: betaRule.model.gitlabIdentifier };

/** `n` users holding a Duo seat through one group. */
async function seatedUsers(s: Stack, n: number) {
  const group = await s.f.group();
  const purchase = await s.f.purchase(group.id, n);
  const users = [];
  for (let i = 0; i < n; i++) {
    const u = await s.f.user();
    await s.f.member(group.id, u.id);
    await s.f.assign(group.id, purchase.id, u.id);
    users.push(u);
  }
  return users;
}

const percentage = async (s: Stack) =>
  (
    await s.app.api.call('GET', `/api/v4/features/${FLAG}`, { token: s.app.rootToken })
  ).body.gates.find((g: { key: string }) => g.key === 'percentage_of_actors')?.value as
    number | undefined;

describe('rollout guard and routing explain', () => {
  let s: Stack;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-models-'));
  const admin = () => ({ token: s.app.rootToken });

  beforeAll(async () => {
    const models = fs
      .readFileSync(path.join(__dirname, '../../config/models.yml'), 'utf8')
      .replace(/^(\s+)enabled: false/m, '$1enabled: true')
      .replace(/min_requests: \d+/, 'min_requests: 10');
    fs.writeFileSync(path.join(dir, 'models.yml'), models);
    s = await startStack({
      env: { MODELS_FILE: path.join(dir, 'models.yml'), ROLLOUT_GUARD_INTERVAL_MS: '200' },
    });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a new model at 20% that fails 30% of requests is rolled back to 0%, audited and explained', async () => {
    const group = await s.f.group();
    const purchase = await s.f.purchase(group.id, 100);
    const users = [];
    for (let i = 0; i < 40; i++) {
      const u = await s.f.user();
      await s.f.member(group.id, u.id);
      await s.f.assign(group.id, purchase.id, u.id);
      users.push(u);
    }
    await s.f.setFlag(FLAG, { value: 20, key: 'percentage_of_actors' });
    s.stub.faults.add({ ...BETA, status: 503, fraction: 0.3 });

    let rolledBack = false;
    let userErrors = 0;
    for (let round = 0; round < 40 && !rolledBack; round++) {
      for (const u of users) {
        const r = await s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
          token: u.token,
          body: completionBody(),
        });
        if (r.status !== 200) userErrors++;
      }
      const state = await s.app.api.call('GET', `/api/v4/features/${FLAG}`, admin());
      rolledBack = !state.body.gates.some((g: { key: string }) => g.key === 'percentage_of_actors');
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(rolledBack).toBe(true);
    expect(userErrors).toBe(0); // failed beta attempts failed over to the backup within the request

    const audit = await s.app.api.call(
      'GET',
      `/api/v4/audit_events?entity_type=FeatureFlag&entity_id=${FLAG}`,
      admin(),
    );
    const event = audit.body.find(
      (e: { event_name: string }) => e.event_name === 'rollout_guard_rollback',
    );
    expect(event).toMatchObject({
      author_name: 'rollout-guard',
      details: { before: { percentage: 20 }, after: { percentage: 0 } },
    });
    expect(event.details.after.reason).toMatch(/error rate/);

    const explain = await s.app.api.call(
      'GET',
      `/api/v4/code_suggestions/routing?user=${users[0].username}`,
      admin(),
    );
    expect(explain.status).toBe(200);
    expect(explain.body.rollout_guard.actions[0]).toMatchObject({ flag: FLAG });
    expect(explain.body.completion).toMatchObject({
      task: 'completion',
      api: 'v4',
      model: { provider: PRIMARY_MODEL.provider, name: PRIMARY_MODEL.name },
    });
    expect(explain.body.completion.trace.length).toBeGreaterThan(1);
    expect(explain.body.generation_with_sse.api).toBe('v4');
    expect(explain.body.generation.api).toBe('v3');
    const metrics = await s.app.api.call('GET', '/metrics');
    expect(metrics.text).toContain(`switchboard_rollout_guard_rollbacks_total{flag="${FLAG}"} 1`);
  }, 120_000);

  it('latency branch: a beta model whose p95 is past the allowed ratio is rolled back, saying why', async () => {
    s.stub.faults.clear();
    const users = await seatedUsers(s, 40);
    await s.f.setFlag(FLAG, { value: 20, key: 'percentage_of_actors' });
    // healthy answers, far slower than the default: past the 2x ratio even when a loaded machine
    // makes the default's own answers take a couple of hundred ms
    s.stub.faults.add({ ...BETA, latencyMs: 600 });
    let userErrors = 0;
    for (let round = 0; round < 40 && (await percentage(s)) !== undefined; round++) {
      for (const u of users) {
        const r = await s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
          token: u.token,
          body: completionBody(),
        });
        if (r.status !== 200) userErrors++;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    s.stub.faults.clear();
    expect(await percentage(s)).toBeUndefined();
    expect(userErrors).toBe(0);
    const audit = await s.app.api.call(
      'GET',
      `/api/v4/audit_events?entity_type=FeatureFlag&entity_id=${FLAG}`,
      admin(),
    );
    const reasons = audit.body
      .filter((e: { event_name: string }) => e.event_name === 'rollout_guard_rollback')
      .map((e: { details: { after: { reason: string } } }) => e.details.after.reason);
    expect(reasons.some((r: string) => /^p95 \d+ ms vs \d+ ms \(allowed x2\)$/.test(r))).toBe(true);
  }, 120_000);

  it('explain refuses non-admins and unknown users with clear errors', async () => {
    const { user } = await s.f.seatedUser();
    expect(
      (
        await s.app.api.call('GET', `/api/v4/code_suggestions/routing?user=${user.username}`, {
          token: user.token,
        })
      ).status,
    ).toBe(403);
    const unknown = await s.app.api.call(
      'GET',
      '/api/v4/code_suggestions/routing?user=ghost',
      admin(),
    );
    expect(unknown).toMatchObject({ status: 400, body: { error: "user 'ghost' does not exist" } });
  });
});

describe('rollout guard off (the shipped catalogue: rollout_guard.enabled false)', () => {
  let s: Stack;

  beforeAll(async () => {
    s = await startStack({ env: { ROLLOUT_GUARD_INTERVAL_MS: '100' } });
  }, 60_000);
  afterAll(() => s?.close(), 30_000);

  it('a failing beta rollout is left alone: no rollback, no audit event, no metric, nothing watched', async () => {
    const users = await seatedUsers(s, 40);
    await s.f.setFlag(FLAG, { value: 20, key: 'percentage_of_actors' });
    // 3 failures in every 10 (never 5 in a row, so the breaker stays closed and the beta model
    // keeps being tried): enough for the guard to roll back were it on (the test above).
    s.stub.faults.add({ ...BETA, status: 503, fraction: 0.3 });
    const from = s.mark();
    let userErrors = 0;
    for (let round = 0; round < 6; round++) {
      for (const u of users) {
        const r = await s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
          token: u.token,
          body: completionBody(),
        });
        if (r.status !== 200) userErrors++;
      }
    }
    await new Promise((r) => setTimeout(r, 500)); // several guard intervals
    const betaCalls = s.since(from).filter((r) => servedModel(r) === BETA.model).length;
    expect(betaCalls).toBeGreaterThanOrEqual(30); // the default min_requests is 20
    expect(userErrors).toBe(0);
    expect(await percentage(s)).toBe(20);
    const audit = await s.app.api.call(
      'GET',
      `/api/v4/audit_events?entity_type=FeatureFlag&entity_id=${FLAG}`,
      { token: s.app.rootToken },
    );
    expect(
      audit.body.filter((e: { event_name: string }) => e.event_name === 'rollout_guard_rollback'),
    ).toHaveLength(0);
    const metrics = await s.app.api.call('GET', '/metrics');
    expect(metrics.text).not.toMatch(/switchboard_rollout_guard_rollbacks_total\{/);
    const explain = await s.app.api.call(
      'GET',
      `/api/v4/code_suggestions/routing?user=${users[0].username}`,
      { token: s.app.rootToken },
    );
    expect(explain.body.rollout_guard).toEqual({ watching: [], actions: [], acceptance: [] });
  }, 120_000);
});
