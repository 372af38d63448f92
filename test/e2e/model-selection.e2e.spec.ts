import { Redis } from 'ioredis';
import { modelDefinitions } from '../../src/common/aigw/aigw-contract';
import { Factory } from '../support/factories';
import { RedisServer } from '../support/fleet/redis-server';
import { startTestApp, TestApp } from '../support/test-app';
import { BACKENDS, createPostgresDatabase } from '../support/test-database';
import { waitUntil } from '../support/wait';

jest.setTimeout(120_000);

const OWNER = 50;
const offered = (feature: string) =>
  modelDefinitions().unit_primitives.find((u) => u.feature_setting === feature)!;

describe.each(BACKENDS)('model selection API (%s)', (backend) => {
  let app: TestApp;
  let f: Factory;
  const root = () => app.rootToken;

  beforeAll(async () => {
    app = await startTestApp({ backend });
    f = new Factory(app.api, app.rootToken);
  }, 60_000);
  afterAll(() => app?.close());

  async function ownedGroup() {
    const owner = await f.user();
    const group = await f.group();
    await f.member(group.id, owner.id, OWNER);
    return { owner, group };
  }
  const audit = async (groupId: number) =>
    (
      await app.api.call('GET', `/api/v4/audit_events?entity_type=Group&entity_id=${groupId}`, {
        token: root(),
      })
    ).body as Array<{ event_name: string; details: { before: unknown; after: unknown } }>;

  it('an owner reads the offer and chooses a model for code_completions; audited', async () => {
    const { owner, group } = await ownedGroup();
    const base = `/api/v4/groups/${group.id}/ai_feature_settings`;
    const list = await app.api.call('GET', base, { token: owner.token });
    expect(list.status).toBe(200);
    expect(list.body.map((s: any) => s.feature)).toEqual(['code_completions', 'code_generations']);
    const cc = list.body[0];
    expect(cc).toMatchObject({
      selected_model: null,
      default_model: { ref: 'codestral_2508_fireworks' },
      effective_model: { ref: 'codestral_2508_fireworks' },
      stale: false,
      namespace: { id: group.id, full_path: group.full_path },
    });
    expect(cc.selectable_models.map((m: any) => m.ref)).toEqual(
      offered('code_completions').selectable_models,
    );

    const put = await app.api.call('PUT', `${base}/code_completions`, {
      token: owner.token,
      body: { offered_model_ref: 'codestral_2508_vertex' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      selected_model: { ref: 'codestral_2508_vertex', name: expect.stringContaining('Codestral') },
      effective_model: { ref: 'codestral_2508_vertex' },
    });
    const again = await app.api.call('GET', `${base}/code_completions`, { token: owner.token });
    expect(again.body.selected_model.ref).toBe('codestral_2508_vertex');
    const events = await audit(group.id);
    expect(events[0]).toMatchObject({
      event_name: 'ai_feature_setting_updated',
      author_id: owner.id,
      details: {
        before: { feature: 'code_completions', offered_model_ref: null },
        after: { feature: 'code_completions', offered_model_ref: 'codestral_2508_vertex' },
      },
    });

    // Back to "GitLab default" ("" as GitLab's GraphQL takes it).
    const reset = await app.api.call('PUT', `${base}/code_completions`, {
      token: owner.token,
      body: { offered_model_ref: '' },
    });
    expect(reset.body).toMatchObject({
      selected_model: null,
      effective_model: { ref: 'codestral_2508_fireworks' },
    });
  });

  it('a model the gateway does not offer for the feature is a 400 naming what it offers; nothing written', async () => {
    const { owner, group } = await ownedGroup();
    const base = `/api/v4/groups/${group.id}/ai_feature_settings`;
    // Offered for code_generations, not for code_completions.
    const genOnly = offered('code_generations').selectable_models.find(
      (m) => !offered('code_completions').selectable_models.includes(m),
    )!;
    const r = await app.api.call('PUT', `${base}/code_completions`, {
      token: owner.token,
      body: { offered_model_ref: genOnly },
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toContain(
      'offered_model_ref is not offered by the AI gateway for code_completions',
    );
    for (const m of offered('code_completions').selectable_models)
      expect(r.body.error).toContain(m);

    // All or nothing: a bulk change whose second feature is refused writes neither.
    const bulk = await app.api.call('PUT', base, {
      token: owner.token,
      body: { features: ['code_generations', 'code_completions'], offered_model_ref: genOnly },
    });
    expect(bulk.status).toBe(400);
    const after = await app.api.call('GET', base, { token: owner.token });
    expect(after.body.map((s: any) => s.selected_model)).toEqual([null, null]);
    expect((await audit(group.id)).map((e) => e.event_name)).toEqual([
      'group_member_added',
      'group_created',
    ]);
  });

  it('unknown feature, subgroup, non-owner, non-member, bad body: each a 4xx naming the problem', async () => {
    const { owner, group } = await ownedGroup();
    const base = `/api/v4/groups/${group.id}/ai_feature_settings`;
    const unknown = await app.api.call('PUT', `${base}/duo_chat`, {
      token: owner.token,
      body: { offered_model_ref: null },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(
      /^feature does not have a valid value .*code_completions, code_generations/,
    );

    const sub = await f.group({ parentId: group.id });
    const onSub = await app.api.call(
      'PUT',
      `/api/v4/groups/${sub.id}/ai_feature_settings/code_completions`,
      {
        token: root(),
        body: { offered_model_ref: 'codestral_2508_vertex' },
      },
    );
    expect(onSub.status).toBe(400);
    expect(onSub.body.error).toMatch(/^group must be a top-level group/);

    const dev = await f.user();
    await f.member(group.id, dev.id);
    const notOwner = await app.api.call('PUT', `${base}/code_completions`, {
      token: dev.token,
      body: { offered_model_ref: 'codestral_2508_vertex' },
    });
    expect(notOwner.status).toBe(403);
    expect(notOwner.body.message).toContain('only an owner of the group or an administrator');

    const stranger = await f.user();
    const hidden = await app.api.call('GET', base, { token: stranger.token });
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ message: '404 Group Not Found' });

    const badBody = await app.api.call('PUT', `${base}/code_completions`, {
      token: owner.token,
      body: { offered_model_ref: 42 },
    });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error).toContain('offered_model_ref');
    const twice = await app.api.call('PUT', base, {
      token: owner.token,
      body: { features: ['code_completions', 'code_completions'], offered_model_ref: null },
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error).toContain('features');
    const after = await app.api.call('GET', base, { token: owner.token });
    expect(after.body.map((s: any) => s.selected_model)).toEqual([null, null]);
  });

  it('the instance setting: admin only, validated against the offer', async () => {
    const user = await f.user();
    const path = '/api/v4/admin/ai_feature_settings/code_generations';
    expect((await app.api.call('GET', path, { token: user.token })).status).toBe(403);
    const ref = offered('code_generations').selectable_models.at(-1)!;
    const put = await app.api.call('PUT', path, {
      token: root(),
      body: { offered_model_ref: ref },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ feature: 'code_generations', selected_model: { ref } });
    expect(put.body.namespace).toBeUndefined();
    const bad = await app.api.call('PUT', path, {
      token: root(),
      body: { offered_model_ref: 'codestral_2501_fireworks_x' },
    });
    expect(bad.status).toBe(400);
    const list = await app.api.call('GET', '/api/v4/admin/ai_feature_settings', { token: root() });
    expect(list.body.find((s: any) => s.feature === 'code_generations').selected_model.ref).toBe(
      ref,
    );
    await app.api.call('PUT', path, { token: root(), body: { offered_model_ref: null } });
  });

  it('the default Duo namespace: only a group where the user has a seat; null clears it', async () => {
    const { user, group } = await f.seatedUser();
    const other = await f.group();
    const pref = '/api/v4/user/preferences';
    expect((await app.api.call('GET', pref, { token: user.token })).body).toEqual({
      user_id: user.id,
      duo_default_namespace_id: null,
    });
    const refused = await app.api.call('PUT', pref, {
      token: user.token,
      body: { duo_default_namespace_id: other.id },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe(
      'duo_default_namespace_id must be a top-level group where the user has a GitLab Duo seat',
    );
    const set = await app.api.call('PUT', pref, {
      token: user.token,
      body: { duo_default_namespace_id: group.id },
    });
    expect(set.body.duo_default_namespace_id).toBe(group.id);
    expect(
      (await app.api.call('GET', pref, { token: user.token })).body.duo_default_namespace_id,
    ).toBe(group.id);
    const cleared = await app.api.call('PUT', pref, {
      token: user.token,
      body: { duo_default_namespace_id: null },
    });
    expect(cleared.body.duo_default_namespace_id).toBeNull();
  });
});

describe('model selection reaches a second instance over the change bus (PostgreSQL + Redis)', () => {
  const run = process.env.TEST_DATABASE_URL ? it : it.skip;
  let redis: RedisServer | undefined;
  let apps: TestApp[] = [];
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const a of apps) await a.close();
    await drop?.();
    await redis?.stop();
  });

  run('a change on one instance is published and served by the other', async () => {
    redis = await RedisServer.start();
    const db = await createPostgresDatabase();
    drop = db.drop;
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'ms:',
      SIGNING_KEY_SECRET: 'model-selection-e2e-signing-key-secret-0123456789',
    };
    apps = [await startTestApp({ env }), await startTestApp({ env })];
    const [one, two] = apps;
    const f = new Factory(one.api, one.rootToken);
    const group = await f.group();
    const path = `/api/v4/groups/${group.id}/ai_feature_settings/code_completions`;
    const topics: string[] = [];
    const sub = new Redis(redis.url);
    await sub.subscribe('ms:changes');
    sub.on('message', (_c, m: string) => topics.push((JSON.parse(m) as { topic: string }).topic));
    try {
      const put = await one.api.call('PUT', path, {
        token: one.rootToken,
        body: { offered_model_ref: 'codestral_2508_vertex' },
      });
      expect(put.status).toBe(200);
      await waitUntil(() => topics.includes('model_selection.changed'), 'the bus message');
      await waitUntil(
        async () =>
          (await two.api.call('GET', path, { token: two.rootToken })).body.selected_model?.ref ===
          'codestral_2508_vertex',
        'the second instance serving the change',
      );
    } finally {
      sub.disconnect();
    }
  });
});
