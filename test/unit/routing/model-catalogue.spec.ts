import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  catalogueFlagNames,
  catalogueFlags,
  loadModelCatalogue,
  ModelCatalogueError,
  parseModelCatalogue,
} from '../../../src/routing/model-catalogue';
import { decideRoute } from '../../../src/routing/routing-policy';
import {
  context,
  DEFINED_FLAGS,
  F,
  fakeFlags,
  flagDefinitions,
  GROUP_B,
  MODELS_FILE,
  request,
  shippedCatalogue,
} from './routing-fakes';

const shippedText = fs.readFileSync(MODELS_FILE, 'utf8');

describe('the shipped catalogue', () => {
  const cat = shippedCatalogue();

  it('the 2026 rules: failover, v4, codestral-2508 vertex beta, codestral-2508 fireworks default', () => {
    expect(cat.completionRules.map((r) => r.id)).toEqual([
      'completion.failover',
      'completion.gateway_api_v4',
      'completion.beta:codestral-2508-vertex',
      'completion.default',
    ]);
    expect(cat.completionFailover).toMatchObject({
      flag: 'incident_fail_over_completion_provider',
      mode: 'automatic',
      model: {
        provider: 'anthropic',
        name: 'claude-sonnet-4-5-20250929',
        gitlabIdentifier: 'claude_sonnet_4_5_20250929',
        promptVersion: 3,
        promptFormat: 'anthropic_fim_messages',
      },
    });
    expect(cat.models.get('codestral-2508-fireworks')).toMatchObject({
      provider: 'fireworks_ai',
      name: 'codestral-2508',
      gitlabIdentifier: 'codestral_2508_fireworks',
      promptVersion: 1,
    });
    expect(cat.models.get('codestral-2508-vertex')).toMatchObject({
      provider: 'vertex-ai',
      name: 'codestral-2508',
      gitlabIdentifier: 'codestral_2508_vertex',
    });
    expect(cat.completionRules[1]).toMatchObject({
      kind: 'gateway_api',
      featureSetting: 'code_completions',
    });
    expect(cat.generation).toEqual({
      promptId: 'code_suggestions/generations',
      promptVersion: '^1.0.0',
      sseApi: 'v4',
      defaultApi: 'v3',
      failover: { flag: 'incident_fail_over_generation_provider', promptVersion: '2.0.0' },
    });
  });

  it('reads the rollout guard of beta rules', () => {
    const beta = cat.completionRules.find((r) => r.kind === 'beta');
    expect(beta).toMatchObject({
      optOutFlag: 'code_completion_opt_out_codestral_2508_vertex',
      rolloutGuard: {
        enabled: false,
        maxErrorRateDelta: 0.1,
        maxP95LatencyRatio: 2.0,
        minRequests: 20,
        acceptance: { minShown: 200, maxDrop: 0.05, alpha: 0.05 },
      },
    });
  });

  it('names only flags whose definitions exist with the expected type', () => {
    for (const f of catalogueFlags(cat)) expect(flagDefinitions.get(f.name)?.type).toBe(f.type);
    expect(catalogueFlagNames(cat)).toEqual([
      'incident_fail_over_completion_provider',
      'code_completion_v4_endpoint',
      'code_completion_model_codestral_2508_vertex',
      'code_completion_opt_out_codestral_2508_vertex',
      'incident_fail_over_generation_provider',
    ]);
  });
});

describe('catalogue validation', () => {
  const bad =
    (edit: (t: string) => string, flags = DEFINED_FLAGS) =>
    () =>
      parseModelCatalogue(edit(shippedText), 'bad-models.yml', flags);

  it.each<[string, (t: string) => string, RegExp]>([
    [
      'unknown model key in a rule',
      (t) => t.replace('model: codestral-2508-vertex', 'model: codestral-9999'),
      /^bad-models\.yml: completion\.rules\[2\]\.model names model "codestral-9999", which is not in models$/,
    ],
    [
      'unknown model key in the default rule',
      (t) => t.replace('model: codestral-2508-fireworks\n', 'model: gecko\n'),
      /completion\.rules\[3\]\.model names model "gecko"/,
    ],
    [
      'unknown flag',
      (t) =>
        t.replace(
          'flag: code_completion_model_codestral_2508_vertex',
          'flag: code_completion_model_nope',
        ),
      /completion\.rules\[2\]\.flag names flag "code_completion_model_nope", which has no definition/,
    ],
    [
      'unknown opt-out flag',
      (t) =>
        t.replace(
          'opt_out_flag: code_completion_opt_out_codestral_2508_vertex',
          'opt_out_flag: opt_out_nope',
        ),
      /completion\.rules\[2\]\.opt_out_flag names flag "opt_out_nope"/,
    ],
    [
      'unknown generation failover flag',
      (t) => t.replace('flag: incident_fail_over_generation_provider', 'flag: gen_nope'),
      /generation\.failover\.flag names flag "gen_nope"/,
    ],
    [
      'bad prompt_version',
      (t) =>
        t.replace(
          'prompt_version: 1\n    prompt_format: none\n    stop_tokens: []',
          'prompt_version: 4\n    prompt_format: none\n    stop_tokens: []',
        ),
      /^bad-models\.yml: models\[0\]\.prompt_version must be 1, 2 or 3$/,
    ],
    [
      'prompt_format that does not fit the version',
      (t) => t.replace('prompt_version: 3', 'prompt_version: 2'),
      /models\[2\]\.prompt_format "anthropic_fim_messages" does not fit prompt_version 2/,
    ],
    [
      'unknown post-processing step',
      (t) => t.replace('[drop_comment_only]', '[make_it_better]'),
      /models\[0\]\.post_processing\[0\]/,
    ],
    [
      'unknown field (typo)',
      (t) =>
        t.replace(
          'stop_tokens: []\n    post_processing: [drop_comment_only]',
          'stop_token: []\n    post_processing: [drop_comment_only]',
        ),
      /models\[0\] .*stop_token/,
    ],
    [
      'duplicate model key',
      (t) => t.replace('key: codestral-2508-vertex', 'key: codestral-2508-fireworks'),
      /models\[1\]\.key "codestral-2508-fireworks" is defined twice/,
    ],
    [
      'default not last',
      (t) =>
        t
          .replace('    - rule: default\n      model: codestral-2508-fireworks\n', '')
          .replace(
            '    - rule: beta\n',
            '    - rule: default\n      model: codestral-2508-fireworks\n    - rule: beta\n',
          ),
      /completion\.rules\[2\]\.rule "default" must be the last rule/,
    ],
    [
      'no default rule',
      (t) => t.replace('    - rule: default\n      model: codestral-2508-fireworks\n', ''),
      /completion\.rules must end with a "default" rule/,
    ],
    [
      'failover after a beta rule',
      (t) =>
        t
          .replace(/ {4}- rule: failover\n(?: {6}.*\n)+/, '')
          .replace(
            '    - rule: default\n',
            '    - rule: failover\n      flag: incident_fail_over_completion_provider\n      model: claude-sonnet-4-5-fim\n      mode: manual\n    - rule: default\n',
          ),
      /"failover" must come before beta and default rules/,
    ],
    [
      'a beta model without gitlab_identifier while the v4 switch exists',
      (t) => t.replace('    gitlab_identifier: codestral_2508_vertex\n', ''),
      /completion\.rules\[2\]\.model "codestral-2508-vertex" needs a gitlab_identifier/,
    ],
    [
      'an acceptance alpha of 0',
      (t) => t.replace('alpha: 0.05', 'alpha: 0'),
      /completion\.rules\[2\]\.rollout_guard\.acceptance\.alpha must be above 0$/,
    ],
    [
      'an acceptance max_drop above 1',
      (t) => t.replace('max_drop: 0.05', 'max_drop: 5'),
      /completion\.rules\[2\]\.rollout_guard\.acceptance\.max_drop /,
    ],
    [
      'too few suggestions for the normal approximation',
      (t) => t.replace('min_shown: 200', 'min_shown: 3'),
      /completion\.rules\[2\]\.rollout_guard\.acceptance\.min_shown /,
    ],
    [
      'bad failover mode',
      (t) => t.replace('mode: automatic', 'mode: sometimes'),
      /completion\.rules\[0\]\.mode/,
    ],
    [
      'unknown rule kind',
      (t) => t.replace('rule: gateway_api', 'rule: gateway'),
      /completion\.rules\[1\]/,
    ],
    [
      'generation api outside v3/v4',
      (t) => t.replace('default: v3', 'default: v2'),
      /generation\.api\.default/,
    ],
    ['not YAML', () => 'models: [unclosed', /^bad-models\.yml: not valid YAML/],
    ['empty file', () => '', /^bad-models\.yml: not valid YAML/],
  ])('%s', (_name, edit, message) => {
    const run = bad(edit);
    expect(run).toThrow(ModelCatalogueError);
    expect(run).toThrow(message);
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadModelCatalogue('/nonexistent/models.yml', DEFINED_FLAGS)).toThrow(
      /^\/nonexistent\/models\.yml: cannot read/,
    );
  });
});

describe('adding a model through configuration only', () => {
  const QWEN_BETA = 'code_completion_model_qwen';
  const QWEN_OPT_OUT = 'code_completion_opt_out_qwen';
  let dir: string;
  let file: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-models-'));
    file = path.join(dir, 'models.yml');
    const withModel = shippedText
      .replace(
        'completion:\n',
        [
          '  - key: qwen-2p5-7b',
          '    provider: fireworks_ai',
          '    name: qwen2p5-coder-7b',
          '    gitlab_identifier: qwen_2p5_coder_7b',
          '    prompt_version: 1',
          '    prompt_format: none',
          '    stop_tokens: ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "\\n\\n"]',
          '    post_processing: [cut_at_stop_tokens]',
          '',
          'completion:',
          '',
        ].join('\n'),
      )
      .replace(
        '    - rule: beta\n',
        [
          '    - rule: beta',
          `      flag: ${QWEN_BETA}`,
          `      opt_out_flag: ${QWEN_OPT_OUT}`,
          '      model: qwen-2p5-7b',
          '    - rule: beta',
          '',
        ].join('\n'),
      );
    fs.writeFileSync(file, withModel);
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is refused until its flags are defined', () => {
    expect(() => loadModelCatalogue(file, DEFINED_FLAGS)).toThrow(
      /names flag "code_completion_model_qwen", which has no definition/,
    );
  });

  it('is picked for a user with its beta flag, without code changes', () => {
    const defined = new Set([...DEFINED_FLAGS, QWEN_BETA, QWEN_OPT_OUT]);
    const cat = loadModelCatalogue(file, defined);
    expect(catalogueFlags(cat)).toContainEqual({ name: QWEN_BETA, type: 'beta', role: 'beta' });
    expect(catalogueFlags(cat)).toContainEqual({
      name: QWEN_OPT_OUT,
      type: 'ops',
      role: 'opt_out',
    });

    const on = decideRoute(request(), context(), fakeFlags({ user: [QWEN_BETA] }, defined), cat);
    expect(on).toMatchObject({
      endpointPath: '/v2/code/completions',
      modelSource: 'beta',
      model: { provider: 'fireworks_ai', name: 'qwen2p5-coder-7b' },
    });
    expect(on.decidingFlags).toMatchObject({ [QWEN_BETA]: true, [QWEN_OPT_OUT]: false });

    const optedOut = decideRoute(
      request(),
      context(),
      fakeFlags({ user: [QWEN_BETA, F.codestral], groups: { [QWEN_OPT_OUT]: [GROUP_B] } }, defined),
      cat,
    );
    expect(optedOut.model?.key).toBe('codestral-2508-vertex');

    const off = decideRoute(request(), context(), fakeFlags({}, defined), cat);
    expect(off.model?.key).toBe('codestral-2508-fireworks');
  });
});
