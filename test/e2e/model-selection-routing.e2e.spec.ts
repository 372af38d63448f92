import { MISSING_DEFAULT_DUO_GROUP_MESSAGE } from '../../src/model-selection/selection-resolver';
import { completionBody, startStack, Stack } from '../support/stack';
import { BACKENDS } from '../support/test-database';

jest.setTimeout(120_000);

const OWNER = 50;
const V4 = 'code_completion_v4_endpoint';

describe.each(BACKENDS)(
  'a model selection changes what completions send upstream (%s)',
  (backend) => {
    let s: Stack;
    const root = () => s.app.rootToken;
    const complete = (token: string) =>
      s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
        token,
        body: completionBody(),
      });
    const select = (groupId: number, ref: string | null) =>
      s.app.api.call('PUT', `/api/v4/groups/${groupId}/ai_feature_settings/code_completions`, {
        token: root(),
        body: { offered_model_ref: ref },
      });
    const lastUpstream = () =>
      s.stub.requests[s.stub.requests.length - 1] as { path: string; body: any };

    beforeAll(async () => {
      s = await startStack({ backend });
    }, 60_000);
    afterAll(() => s?.close());
    afterEach(async () => {
      await s.app.api.call('DELETE', `/api/v4/features/${V4}`, { token: root() });
    });

    it('v4: the selection goes as model_metadata.identifier; GitLab default sends none', async () => {
      const chosen = await s.f.seatedUser();
      const plain = await s.f.seatedUser();
      expect((await select(chosen.group.id, 'codestral_2508_vertex')).status).toBe(200);

      expect((await complete(chosen.user.token)).status).toBe(200);
      expect(lastUpstream().path).toBe('/v4/code/suggestions');
      expect(lastUpstream().body.model_metadata).toEqual({
        provider: 'gitlab',
        feature_setting: 'code_completions',
        identifier: 'codestral_2508_vertex',
      });

      expect((await complete(plain.user.token)).status).toBe(200);
      expect(lastUpstream().body.model_metadata).toEqual({
        provider: 'gitlab',
        feature_setting: 'code_completions',
      });

      const explain = await s.app.api.call(
        'GET',
        `/api/v4/code_suggestions/routing?user=${chosen.user.username}`,
        { token: root() },
      );
      expect(explain.body.model_selection).toMatchObject({
        identifier: 'codestral_2508_vertex',
        selected_by: `group ${chosen.group.full_path} (id ${chosen.group.id})`,
      });
      expect(JSON.stringify(explain.body.completion.trace)).toContain(
        `selected by group ${chosen.group.full_path}`,
      );

      // Direct access hands the chosen model to the IDE as model_metadata.
      const direct = await s.app.api.call('POST', '/api/v4/code_suggestions/direct_access', {
        token: chosen.user.token,
      });
      expect(direct.status).toBe(201);
      expect(direct.body.model_metadata).toMatchObject({ identifier: 'codestral_2508_vertex' });
    });

    it('v2: the selection goes as the matching model name, or is refused when it has none', async () => {
      await s.f.setFlag(V4, { value: false });
      const { user, group } = await s.f.seatedUser();
      await select(group.id, 'codestral_2508_vertex');
      expect((await complete(user.token)).status).toBe(200);
      expect(lastUpstream().path).toBe('/v2/code/completions');
      expect(lastUpstream().body).toMatchObject({
        model_provider: 'vertex-ai',
        model_name: 'codestral-2508',
      });

      await select(group.id, 'codestral_2501_fireworks');
      const before = s.mark();
      const refused = await complete(user.token);
      expect(refused.status).toBe(422);
      expect(refused.body.message).toMatch(
        /codestral_2501_fireworks selected by group .* has no v2 form/,
      );
      expect(s.since(before)).toEqual([]);
    });

    it("seats in two groups whose choices differ: GitLab's 422 until a default namespace is set", async () => {
      const a = await s.f.seatedUser();
      const b = await s.f.group();
      await s.f.member(b.id, a.user.id, OWNER);
      const purchase = await s.f.purchase(b.id);
      await s.f.assign(b.id, purchase.id, a.user.id);
      await select(a.group.id, 'codestral_2508_vertex');

      const refused = await complete(a.user.token);
      expect(refused.status).toBe(422);
      expect(refused.body).toEqual({
        error: 'missing_default_duo_group',
        error_description: MISSING_DEFAULT_DUO_GROUP_MESSAGE,
        message: { error: MISSING_DEFAULT_DUO_GROUP_MESSAGE },
      });

      const set = await s.app.api.call('PUT', '/api/v4/user/preferences', {
        token: a.user.token,
        body: { duo_default_namespace_id: b.id },
      });
      expect(set.status).toBe(200);
      expect((await complete(a.user.token)).status).toBe(200);
      expect(lastUpstream().body.model_metadata.identifier).toBeUndefined();

      await s.app.api.call('PUT', '/api/v4/user/preferences', {
        token: a.user.token,
        body: { duo_default_namespace_id: a.group.id },
      });
      expect((await complete(a.user.token)).status).toBe(200);
      expect(lastUpstream().body.model_metadata.identifier).toBe('codestral_2508_vertex');
    });

    it('self-managed: the instance setting applies, group selections do not', async () => {
      const { user, group } = await s.f.seatedUser();
      await select(group.id, 'codestral_2508_vertex');
      const settings = (body: object) =>
        s.app.api.call('PUT', '/api/v4/application/settings', { token: root(), body });
      await settings({ gitlab_realm: 'self-managed' });
      try {
        await s.app.api.call('PUT', '/api/v4/admin/ai_feature_settings/code_completions', {
          token: root(),
          body: { offered_model_ref: 'claude_sonnet_4_5_20250929' },
        });
        expect((await complete(user.token)).status).toBe(200);
        expect(lastUpstream().body.model_metadata.identifier).toBe('claude_sonnet_4_5_20250929');
      } finally {
        await s.app.api.call('PUT', '/api/v4/admin/ai_feature_settings/code_completions', {
          token: root(),
          body: { offered_model_ref: null },
        });
        await settings({ gitlab_realm: 'saas' });
      }
    });
  },
);
