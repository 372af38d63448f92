import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { aigwContract } from '../../src/common/aigw/aigw-contract';
import { shippedCatalogue } from '../support/catalogue';
import { Factory } from '../support/factories';
import { PRIMARY } from '../support/failover-helpers';
import { completionBody } from '../support/stack';
import { startTestApp, type TestApp } from '../support/test-app';

// Boots the service with its built-in stub and does real I/O: more than jest's default 5 s.
jest.setTimeout(60_000);

/**
 * A code-completions model the pinned gateway offers (selectable in its catalogue, with a v2
 * provider/name it maps to that identifier) that config/models.yml does not list yet.
 */
function unlistedGatewayModel(): { identifier: string; provider: string; name: string } {
  const listed = new Set([...shippedCatalogue().models.values()].map((m) => m.gitlabIdentifier));
  const contract = aigwContract();
  const setting = contract.catalogue.unit_primitives.find(
    (u) => u.feature_setting === 'code_completions',
  );
  for (const identifier of setting?.selectable_models ?? []) {
    if (listed.has(identifier)) continue;
    const v2 = Object.entries(contract.legacyCompletionIdentifiers).find(
      ([, i]) => i === identifier,
    );
    if (!v2) continue;
    const [provider, name] = v2[0].split('/');
    return { identifier, provider, name };
  }
  throw new Error('the pinned gateway offers no code-completions model models.yml lacks');
}

describe('a model added through configuration only, under the built-in stub gateway', () => {
  const BETA = 'code_completion_model_config_only';
  const OPT_OUT = 'code_completion_opt_out_config_only';
  const added = unlistedGatewayModel();
  let dir: string;
  let app: TestApp;
  let f: Factory;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-config-model-'));
    const flagsDir = path.join(dir, 'feature_flags');
    fs.cpSync(path.resolve('config/feature_flags'), flagsDir, { recursive: true });
    const definition = (name: string, type: string) =>
      `---\nname: ${name}\ndescription: 'test model'\ntype: ${type}\ndefault_enabled: false\n` +
      `rollout_issue_url:\nmilestone: '18.6'\ngroup: group::code creation\n`;
    fs.writeFileSync(path.join(flagsDir, 'beta', `${BETA}.yml`), definition(BETA, 'beta'));
    fs.writeFileSync(path.join(flagsDir, 'ops', `${OPT_OUT}.yml`), definition(OPT_OUT, 'ops'));
    // A model the gateway offers that the shipped catalogue does not list: no code knows it.
    const models = fs
      .readFileSync(path.resolve('config/models.yml'), 'utf8')
      .replace(
        '\ncompletion:\n',
        [
          '',
          '  - key: config-only-model',
          `    provider: ${added.provider}`,
          `    name: ${added.name}`,
          `    gitlab_identifier: ${added.identifier}`,
          '    prompt_version: 1',
          '    prompt_format: none',
          '    stop_tokens: []',
          '    post_processing: []',
          '',
          'completion:',
          '',
        ].join('\n'),
      )
      .replace(
        '    - rule: beta\n',
        [
          '    - rule: beta',
          `      flag: ${BETA}`,
          `      opt_out_flag: ${OPT_OUT}`,
          '      model: config-only-model',
          '    - rule: beta',
          '',
        ].join('\n'),
      );
    fs.writeFileSync(path.join(dir, 'models.yml'), models);
    // No AIGW_URL: the service starts its built-in stub, as `npm start` does.
    app = await startTestApp({
      env: { MODELS_FILE: path.join(dir, 'models.yml'), FEATURE_FLAGS_DIR: flagsDir },
    });
    f = new Factory(app.api, app.rootToken);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers with the new model through the stub once its beta flag is on for the user', async () => {
    const { user } = await f.seatedUser();
    const post = () =>
      app.api.call('POST', '/api/v4/code_suggestions/completions', {
        token: user.token,
        body: completionBody(),
      });
    const before = await post();
    expect(before.status).toBe(200);
    expect(before.body.choices[0].text).toMatch(
      new RegExp(`^// completion by gitlab/${PRIMARY.model} via v4`),
    );
    await f.setFlag(BETA, { value: true, user: user.username });
    const after = await post();
    expect(after.status).toBe(200);
    expect(after.body.choices[0].text).toMatch(
      new RegExp(`^// completion by gitlab/${added.identifier} via v4`),
    );
  });
});
