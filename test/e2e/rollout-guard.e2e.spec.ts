import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { completionBody, startStack, Stack } from '../support/stack';

const FLAG = 'code_completion_model_codestral';

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
    s.stub.faults.add({
      provider: 'vertex-ai',
      model: 'codestral@2405',
      status: 503,
      fraction: 0.3,
    });

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
      api: 'v2',
      model: { provider: 'vertex-ai', name: 'code-gecko@002' },
    });
    expect(explain.body.completion.trace.length).toBeGreaterThan(1);
    expect(explain.body.generation_with_sse.api).toBe('v4');
    expect(explain.body.generation.api).toBe('v3');
    const metrics = await s.app.api.call('GET', '/metrics');
    expect(metrics.text).toContain(`switchboard_rollout_guard_rollbacks_total{flag="${FLAG}"} 1`);
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
