import {
  LanguageServerWorkspace,
  LspClient,
  locateLanguageServerBundle,
} from '../support/language-server';
import { shippedCatalogue } from '../support/catalogue';
import { PRIMARY, servedModel } from '../support/failover-helpers';
import { startStack, Stack } from '../support/stack';
import { BACKENDS } from '../support/test-database';
import type { RecordedRequest } from '../../src/stub-gateway/stub-gateway.types';

jest.setTimeout(120_000);

const bundlePath = locateLanguageServerBundle();
const suite = bundlePath ? describe.each(BACKENDS) : describe.skip.each(BACKENDS);
const metadataOf = (r: RecordedRequest) => (r.body as { model_metadata?: unknown }).model_metadata;
const SELECTED = 'codestral_2508_vertex';
const selectedModel = [...shippedCatalogue().models.values()].find(
  (m) => m.gitlabIdentifier === SELECTED,
);
if (!selectedModel) throw new Error(`config/models.yml: no model with identifier ${SELECTED}`);

/**
 * A group's model selection (#23) as the real GitLab Language Server (8.54) meets it, on both
 * paths. Direct: this LS spreads direct_access's `model_details` into its own `/v2/completions`
 * call and does not read `model_metadata` (its bundle builds the body from `model_details` only),
 * so the selected model must arrive as the v2 names. Indirect: Switchboard sends the selection to
 * the gateway's v4 API as `model_metadata.identifier`.
 */
suite('the real Language Server follows a group model selection (%s)', (backend) => {
  let s: Stack;
  let ws: LanguageServerWorkspace;
  const root = () => s.app.rootToken;

  const session = (token: string) => ws.open({ baseUrl: s.app.url, token });
  const complete = async (client: LspClient) => {
    const from = s.mark();
    const list = await ws.complete(client, { line: 1, character: 4 });
    const upstream = s.since(from).filter((r) => /^\/v[234]\//.test(r.path));
    return { items: list.items, upstream };
  };
  const select = (groupId: number, ref: string | null) =>
    s.app.api.call('PUT', `/api/v4/groups/${groupId}/ai_feature_settings/code_completions`, {
      token: root(),
      body: { offered_model_ref: ref },
    });
  const directDisabled = (value: boolean) =>
    s.app.api.call('PUT', '/api/v4/application/settings', {
      token: root(),
      body: { disabled_direct_code_suggestions: value },
    });

  beforeAll(async () => {
    ws = new LanguageServerWorkspace(bundlePath!, 'main.py', 'def fibonacci(n):\n    ');
    s = await startStack({ backend });
  }, 60_000);
  afterAll(async () => {
    await ws?.dispose();
    await s?.close();
  });

  it('direct path: the selected model, as direct_access names it, serves the LS own call', async () => {
    const { user, group } = await s.f.seatedUser();
    expect((await select(group.id, SELECTED)).status).toBe(200);

    const answer = await s.app.api.call('POST', '/api/v4/code_suggestions/direct_access', {
      token: user.token,
      body: {},
    });
    expect(answer.status).toBe(201);
    expect(answer.body.model_details).toEqual({
      model_provider: selectedModel.provider,
      model_name: selectedModel.name,
    });
    expect(answer.body.model_metadata).toEqual({
      provider: 'gitlab',
      feature_setting: 'code_completions',
      identifier: SELECTED,
    });

    const direct = await complete(await session(user.token));
    expect(direct.upstream.map((r) => r.path)).toEqual(['/v2/completions']);
    expect(direct.upstream[0].body).toMatchObject({
      model_provider: selectedModel.provider,
      model_name: selectedModel.name,
    });
    expect(servedModel(direct.upstream[0])).toBe(SELECTED);
    expect(direct.items[0].insertText).toContain(`gitlab/${SELECTED}`);
  });

  it('indirect path: the LS asks Switchboard, which sends the selection as model_metadata', async () => {
    const { user, group } = await s.f.seatedUser();
    expect((await select(group.id, SELECTED)).status).toBe(200);
    expect((await directDisabled(true)).status).toBe(200);
    try {
      const indirect = await complete(await session(user.token));
      expect(indirect.upstream.map((r) => r.path)).toEqual(['/v4/code/suggestions']);
      expect(metadataOf(indirect.upstream[0])).toEqual({
        provider: 'gitlab',
        feature_setting: 'code_completions',
        identifier: SELECTED,
      });
      expect(servedModel(indirect.upstream[0])).toBe(SELECTED);
      expect(indirect.items[0].insertText).toContain(`gitlab/${SELECTED}`);

      // Back to "GitLab default": a new session is served by the default model again.
      expect((await select(group.id, null)).status).toBe(200);
      const plain = await complete(await session(user.token));
      expect(metadataOf(plain.upstream[0])).toEqual({
        provider: 'gitlab',
        feature_setting: 'code_completions',
      });
      expect(servedModel(plain.upstream[0])).toBe(PRIMARY.model);
    } finally {
      await directDisabled(false);
    }
  });
});
