import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AIGW_CONTRACT_FILE,
  AIGW_PINNED_COMMIT,
  aigwContract,
  aigwLimits,
  allowedModels,
  featureSetting,
  isModelAllowed,
  loadAigwContract,
  modelDefinitions,
  modelNotSupportedMessage,
  resolveModelMetadata,
  USE_CASE_COMPLETIONS,
  USE_CASE_GENERATIONS,
} from '../../../src/common/aigw/aigw-contract';

const MIRROR = '/work/.mirror/movax01h+ai-gateway/repo';
const SCRIPT = path.resolve(__dirname, '../../../scripts/aigw/derive.py');
const hasMirror = fs.existsSync(MIRROR);

describe('AI Gateway contract derived at the pin', () => {
  it('names the pinned commit in the data and the constant', () => {
    expect(AIGW_PINNED_COMMIT).toBe('eee38f6f459599cd9b193a6a910eb3adad5d5d31');
    expect(aigwContract().source.commit).toBe(AIGW_PINNED_COMMIT);
    expect(aigwContract().source.date).toBe('2026-08-22T18:27:20+00:00');
    expect(aigwContract().generated).toMatch(/derive\.py/);
  });

  it('has retired the 2024 models on v2 completions, and accepts their successors', () => {
    expect(isModelAllowed(USE_CASE_COMPLETIONS, 'vertex-ai', 'code-gecko@002')).toBe(false);
    expect(isModelAllowed(USE_CASE_COMPLETIONS, 'vertex-ai', 'codestral@2405')).toBe(false);
    expect(isModelAllowed(USE_CASE_COMPLETIONS, 'anthropic', 'claude-3-5-sonnet-20240620')).toBe(
      false,
    );
    expect(isModelAllowed(USE_CASE_COMPLETIONS, 'vertex-ai', 'codestral-2501')).toBe(true);
    expect(isModelAllowed(USE_CASE_COMPLETIONS, 'fireworks_ai', 'codestral-2501')).toBe(true);
    expect(isModelAllowed(USE_CASE_COMPLETIONS, 'anthropic', 'claude-sonnet-4-5-20250929')).toBe(
      true,
    );
    expect(allowedModels(USE_CASE_GENERATIONS, 'vertex-ai')).toEqual(
      expect.arrayContaining(['code-bison@002', 'gemini-2.5-flash']),
    );
    expect(allowedModels(USE_CASE_COMPLETIONS, 'nope')).toEqual([]);
  });

  it("words the refusal as the gateway's validator does", () => {
    expect(modelNotSupportedMessage('code-gecko@002', USE_CASE_COMPLETIONS, 'vertex-ai')).toBe(
      'model code-gecko@002 is not supported by use case code completions and provider vertex-ai',
    );
  });

  it('reads the field limits of every endpoint', () => {
    expect(aigwLimits()).toEqual({
      projectPath: 255,
      fileName: 255,
      languageIdentifier: 255,
      contentAboveCursor: 100_000,
      contentBelowCursor: 100_000,
      modelName: 50,
      v2ContextItems: 100,
      v2ContextContent: 500_000,
      contextTypeAndName: 1024,
      v4PromptComponents: 100,
      v4CodeContextContent: 100_000,
      v4GenerationPrompt: 400_000,
      telemetryItems: 10,
      telemetryStrings: 50,
    });
    const telemetry = aigwContract().models['telemetry.Telemetry'].fields;
    for (const f of ['requests', 'accepts', 'errors']) {
      expect(telemetry[f]).toEqual({ type: { kind: 'int' }, required: true });
    }
    const v2 = aigwContract().endpoints['/v2/code/completions'];
    expect(v2.aliases.sort()).toEqual(['/v2/code/completions', '/v2/completions']);
    expect(v2.body).toMatchObject({ kind: 'union', discriminator: 'prompt_version' });
    const v4 = aigwContract().models['v4.CompletionRequest'].fields.prompt_components;
    expect(v4.type).toMatchObject({ kind: 'list', minItems: 1, maxItems: 100 });
    expect(v4.type.kind === 'list' && v4.type.items).toMatchObject({ discriminator: 'type' });
  });

  it('serves the catalogue: code_completions default and selectable models', () => {
    const cc = modelDefinitions().unit_primitives.find(
      (u) => u.feature_setting === 'code_completions',
    );
    expect(cc?.default_model).toBe('codestral_2508_fireworks');
    expect(cc?.selectable_models).toEqual([
      'claude_sonnet_4_5_20250929',
      'codestral_2501_fireworks',
      'codestral_2508_fireworks',
      'codestral_2508_vertex',
    ]);
    expect(featureSetting('code_generations')?.default_model).toBe('claude_sonnet_4_6_vertex');
    const ids = modelDefinitions().models.map((m) => m.identifier);
    expect(ids).toContain('codestral_2508_fireworks');
    expect(Object.keys(modelDefinitions().models[0]).sort()).toEqual(
      ['cost_indicator', 'deprecation', 'description', 'identifier', 'name', 'provider'].sort(),
    );
  });

  it('resolves model_metadata: feature_setting, identifier, and what does not resolve', () => {
    const byFs = resolveModelMetadata({ provider: 'gitlab', feature_setting: 'code_completions' });
    expect(byFs).toMatchObject({ ok: true, by: 'feature_setting' });
    expect(byFs.ok && byFs.model.identifier).toBe('codestral_2508_fireworks');
    const byId = resolveModelMetadata({
      provider: 'gitlab',
      feature_setting: 'code_completions',
      identifier: 'codestral_2508_vertex',
    });
    expect(byId.ok && byId.model.identifier).toBe('codestral_2508_vertex');
    expect(resolveModelMetadata({ provider: 'gitlab', identifier: 'code-gecko@002' })).toEqual({
      ok: false,
      reason: 'Invalid model identifier: code-gecko@002',
    });
    expect(resolveModelMetadata({ provider: 'gitlab', feature_setting: 'nope' })).toEqual({
      ok: false,
      reason: 'Invalid feature setting: nope',
    });
    expect(resolveModelMetadata({ feature_setting: 'code_completions' }).ok).toBe(false);
  });

  it('refuses a contract file for another commit than the constant', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-'));
    const file = path.join(dir, 'contract.json');
    const data = JSON.parse(fs.readFileSync(AIGW_CONTRACT_FILE, 'utf8'));
    data.source.commit = '0'.repeat(40);
    fs.writeFileSync(file, JSON.stringify(data));
    expect(() => loadAigwContract(file)).toThrow(/npm run aigw:derive/);
    data.catalogue.models = [];
    fs.writeFileSync(file, JSON.stringify(data));
    expect(() => loadAigwContract(file)).toThrow(/catalogue\.models/);
  });

  (hasMirror ? it : it.skip)('is what the script derives from the mirror at the pin', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-'));
    const out = path.join(dir, 'contract.json');
    execFileSync('python3', [SCRIPT, MIRROR, AIGW_PINNED_COMMIT, `--out=${out}`]);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(
      JSON.parse(fs.readFileSync(AIGW_CONTRACT_FILE, 'utf8')),
    );
  });

  (hasMirror ? it : it.skip)('fails loudly at a commit where a pattern it needs is missing', () => {
    // 798e41a2d^ predates the v4 endpoint's current shape and the model catalogue files.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-'));
    const res = spawnSync('python3', [SCRIPT, MIRROR, '798e41a2d', `--out=${dir}/c.json`], {
      encoding: 'utf8',
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/^aigw:derive: /);
    expect(fs.existsSync(`${dir}/c.json`)).toBe(false);
  });

  (hasMirror ? it : it.skip)('fails naming the pattern when the allowlist map moves', () => {
    // A repository holding the pinned files, with USE_CASES_MODELS_MAP renamed.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-moved-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
    git('init', '-q');
    execFileSync('sh', [
      '-c',
      `git -C "${MIRROR}" archive ${AIGW_PINNED_COMMIT} ai_gateway | tar -x -C "${dir}"`,
    ]);
    const base = path.join(dir, 'ai_gateway/code_suggestions/base.py');
    fs.writeFileSync(
      base,
      fs.readFileSync(base, 'utf8').replaceAll('USE_CASES_MODELS_MAP', 'USE_CASE_MODELS'),
    );
    git('add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'moved');
    const res = spawnSync('python3', [SCRIPT, dir, 'HEAD', `--out=${dir}/c.json`], {
      encoding: 'utf8',
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/USE_CASES_MODELS_MAP = \{\.\.\.\} not found/);
    expect(fs.existsSync(`${dir}/c.json`)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
