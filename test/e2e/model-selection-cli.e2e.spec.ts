import { modelDefinitions } from '../../src/common/aigw/aigw-contract';
import { runCliCaptured } from '../support/cli';
import { Factory } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

// Boots the service and does real I/O (HTTP, database): more than jest's default 5 s when loaded.
jest.setTimeout(60_000);

const completions = modelDefinitions().unit_primitives.find(
  (u) => u.feature_setting === 'code_completions',
)!;
/** A selectable model that is not the default, so choosing it changes something. */
const chosen = completions.selectable_models.find((m) => m !== completions.default_model)!;

describe('npm run cli -- model-selection get|set', () => {
  let app: TestApp;
  let f: Factory;
  const cli = async (...argv: string[]) => {
    const r = await runCliCaptured(argv, {
      SWITCHBOARD_URL: app.url,
      SWITCHBOARD_TOKEN: app.rootToken,
    });
    return { ...r, out: r.out ? JSON.parse(r.out) : undefined };
  };

  beforeAll(async () => {
    app = await startTestApp();
    f = new Factory(app.api, app.rootToken);
  }, 60_000);
  afterAll(() => app?.close());

  it("sets a group's model by its path, reads it back, and goes back to the GitLab default", async () => {
    const group = await f.group();
    const set = await cli(
      'model-selection',
      'set',
      `--group=${group.full_path}`,
      '--feature=code_completions',
      `--model=${chosen}`,
    );
    expect(set).toMatchObject({ code: 0, out: { feature: 'code_completions', stale: false } });
    expect(set.out.selected_model.ref).toBe(chosen);
    expect(set.out.effective_model.ref).toBe(chosen);

    const all = await cli('model-selection', 'get', `--group=${group.id}`);
    expect(all.code).toBe(0);
    const entry = (
      all.out as Array<{ feature: string; selected_model: { ref: string } | null }>
    ).find((s) => s.feature === 'code_completions');
    expect(entry?.selected_model?.ref).toBe(chosen);

    const back = await cli(
      'model-selection',
      'set',
      `--group=${group.id}`,
      '--feature=code_completions',
      '--model=default',
    );
    expect(back).toMatchObject({ code: 0, out: { selected_model: null } });
    expect(back.out.effective_model.ref).toBe(completions.default_model);
  });

  it('sets and reads the instance setting without --group', async () => {
    const set = await cli(
      'model-selection',
      'set',
      '--feature=code_completions',
      `--model=${chosen}`,
    );
    expect(set.code).toBe(0);
    const one = await cli('model-selection', 'get', '--feature=code_completions');
    expect(one.out.selected_model.ref).toBe(chosen);
    expect(
      (await cli('model-selection', 'set', '--feature=code_completions', '--model=default')).code,
    ).toBe(0);
  });

  it('refuses a model the gateway does not offer, an unknown feature and a missing option', async () => {
    const group = await f.group();
    const bad = await cli(
      'model-selection',
      'set',
      `--group=${group.id}`,
      '--feature=code_completions',
      '--model=code-gecko@002',
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('offered_model_ref');
    expect(bad.err).toContain(completions.default_model);
    const feature = await cli('model-selection', 'get', `--group=${group.id}`, '--feature=chat');
    expect(feature.code).toBe(1);
    expect(feature.err).toContain('feature');
    const missing = await cli('model-selection', 'set', '--feature=code_completions');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--model is required');
    const unchanged = await cli(
      'model-selection',
      'get',
      `--group=${group.id}`,
      '--feature=code_completions',
    );
    expect(unchanged.out.selected_model).toBeNull();
  });
});
