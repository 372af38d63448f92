import { aigwLimits, modelDefinitions } from '../../../src/common/aigw/aigw-contract';
import { startStubGateway, type StubGateway } from '../../../src/stub-gateway/stub-gateway';
import {
  gatewayHeaders,
  startFakeIssuer,
  v2Body,
  v3Body,
  type FakeIssuer,
  json,
} from './fake-issuer';

// Boots servers and does real I/O (HTTP): on a loaded machine that takes more than 5 s.
jest.setTimeout(60_000);

/**
 * The twin refuses what the pinned gateway refuses, with the gateway's status and wording, and
 * serves its catalogue. Limits come from config/aigw/contract.json (derived from the gateway).
 */
describe('AI Gateway twin: refuses what the pinned gateway refuses', () => {
  let issuer: FakeIssuer;
  let gw: StubGateway;
  const limits = aigwLimits();

  beforeAll(async () => {
    issuer = await startFakeIssuer();
    gw = await startStubGateway({ trustedIssuers: () => [issuer.url] });
  });
  afterAll(async () => {
    await gw.close();
    await issuer.close();
  });

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: gatewayHeaders(await issuer.sign()),
      body: JSON.stringify(body),
    });
    const rec = gw.requests.at(-1);
    return { status: res.status, body: await json(res), issues: rec?.validationErrors ?? [], rec };
  };
  const where = (issues: { type: string; loc: (string | number)[] }[]) =>
    issues.map((i) => `${i.type}@${i.loc.join('.')}`);

  it.each([
    ['vertex-ai', 'code-gecko@002'],
    ['vertex-ai', 'codestral@2405'],
    ['anthropic', 'claude-3-5-sonnet-20240620'],
  ])('refuses the retired %s model %s on v2 with the validator message', async (p, name) => {
    const r = await post('/v2/code/completions', v2Body({ model_provider: p, model_name: name }));
    expect(r.status).toBe(422);
    const message = `model ${name} is not supported by use case code completions and provider ${p}`;
    expect(r.body.detail).toContain(`'msg': 'Value error, ${message}'`);
    expect(r.body.detail).toContain(`'loc': ('body', 1, 'model_name')`);
    expect(where(r.issues)).toEqual(['value_error@body.1.model_name']);
  });

  it('accepts the successors of the retired models', async () => {
    for (const [p, name] of [
      ['vertex-ai', 'codestral-2501'],
      ['fireworks_ai', 'codestral-2501'],
      ['anthropic', 'claude-sonnet-4-5-20250929'],
    ]) {
      const r = await post('/v2/code/completions', v2Body({ model_provider: p, model_name: name }));
      expect({ p, name, status: r.status }).toEqual({ p, name, status: 200 });
    }
  });

  it('refuses a 256-character project_path or language_identifier; 255 passes', async () => {
    const file = v2Body().current_file as Record<string, unknown>;
    let r = await post('/v2/code/completions', v2Body({ project_path: 'p'.repeat(256) }));
    expect(r.status).toBe(422);
    expect(where(r.issues)).toEqual(['string_too_long@body.1.project_path']);
    expect(r.body.detail).toContain("'msg': 'String should have at most 255 characters'");
    r = await post(
      '/v2/code/completions',
      v2Body({ current_file: { ...file, language_identifier: 'l'.repeat(256) } }),
    );
    expect(where(r.issues)).toEqual(['string_too_long@body.1.current_file.language_identifier']);
    r = await post('/v2/code/completions', v2Body({ project_path: 'p'.repeat(255) }));
    expect(r.status).toBe(200);
  });

  it('refuses a v4 code_context item of 100,001 characters; 100,000 passes', async () => {
    const ctx = (n: number) => ({
      type: 'code_context',
      payload: { type: 'file', name: 'b.rb', content: 'x'.repeat(n) },
    });
    const body = (n: number) => {
      const b = v3Body('code_editor_completion');
      (b.prompt_components as unknown[]).push(ctx(n));
      return b;
    };
    expect(limits.v4CodeContextContent).toBe(100_000);
    let r = await post('/v4/code/suggestions', body(100_001));
    expect(r.status).toBe(422);
    expect(where(r.issues)).toEqual([
      'string_too_long@body.prompt_components.1.code_context.payload.content',
    ]);
    r = await post('/v4/code/suggestions', body(100_000));
    expect(r.status).toBe(200);
  });

  it('refuses a v2 context item over 500,000 characters and more than 100 items', async () => {
    const item = (n: number) => ({ type: 'file', name: 'b.py', content: 'x'.repeat(n) });
    let r = await post('/v2/code/completions', v2Body({ context: [item(500_001)] }));
    expect(where(r.issues)).toEqual(['string_too_long@body.1.context.0.content']);
    r = await post(
      '/v2/code/completions',
      v2Body({ context: Array.from({ length: 101 }, () => item(1)) }),
    );
    expect(where(r.issues)).toEqual(['too_long@body.1.context']);
    r = await post('/v2/code/completions', v2Body({ context: [item(500_000)] }));
    expect(r.status).toBe(200);
  });

  it('refuses telemetry without integer requests/accepts/errors, or more than 10 items', async () => {
    const good = {
      model_engine: 'vertex-ai',
      model_name: 'x',
      lang: 'python',
      requests: 1,
      accepts: 0,
      errors: 0,
    };
    let r = await post(
      '/v2/code/completions',
      v2Body({ telemetry: [{ model_name: 'x', requests: 1.5, accepts: 'many' }] }),
    );
    expect(r.status).toBe(422);
    expect(where(r.issues)).toEqual([
      'int_from_float@body.1.telemetry.0.requests',
      'int_parsing@body.1.telemetry.0.accepts',
      'missing@body.1.telemetry.0.errors',
    ]);
    r = await post('/v2/code/completions', v2Body({ telemetry: Array(11).fill(good) }));
    expect(where(r.issues)).toEqual(['too_long@body.1.telemetry']);
    r = await post('/v2/code/completions', v2Body({ telemetry: Array(10).fill(good) }));
    expect(r.status).toBe(200);
  });

  it('answers "Validation error" alone when configured as a gateway without request logging', async () => {
    const terse = await startStubGateway({ verifyTokens: false, validationDetail: 'terse' });
    try {
      const res = await fetch(`${terse.url}/v2/code/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(v2Body({ project_path: 'p'.repeat(256) })),
      });
      expect({ status: res.status, body: await json(res) }).toEqual({
        status: 422,
        body: { detail: 'Validation error' },
      });
    } finally {
      await terse.close();
    }
  });

  it('serves GET /v1/models/definitions from the pinned catalogue, without auth', async () => {
    const res = await fetch(`${gw.url}/v1/models/definitions`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toEqual(modelDefinitions());
    const cc = body.unit_primitives.find(
      (u: { feature_setting: string }) => u.feature_setting === 'code_completions',
    );
    expect(cc).toMatchObject({
      default_model: 'codestral_2508_fireworks',
      default_models: ['codestral_2508_fireworks'],
      selectable_models: [
        'claude_sonnet_4_5_20250929',
        'codestral_2501_fireworks',
        'codestral_2508_fireworks',
        'codestral_2508_vertex',
      ],
      unit_primitives: ['complete_code'],
    });
    expect(
      body.models.find((m: { identifier: string }) => m.identifier === 'codestral_2508_fireworks'),
    ).toMatchObject({ provider: expect.any(String), name: expect.stringContaining(' - ') });
  });

  it('resolves v4 model_metadata: feature_setting, identifier, and ignores one that does not resolve', async () => {
    const meta = (m: Record<string, unknown>) =>
      v3Body('code_editor_completion', {}, { model_metadata: { provider: 'gitlab', ...m } });
    let r = await post('/v4/code/suggestions', meta({ feature_setting: 'code_completions' }));
    expect(r.body.model.name).toBe('codestral_2508_fireworks');
    r = await post(
      '/v4/code/suggestions',
      meta({ feature_setting: 'code_completions', identifier: 'claude_sonnet_4_5_20250929' }),
    );
    expect(r.body.model.name).toBe('claude_sonnet_4_5_20250929');
    // The gateway's middleware swallows the ValueError: the default model serves the request.
    r = await post(
      '/v4/code/suggestions',
      meta({ feature_setting: 'code_completions', identifier: 'codestral@2405' }),
    );
    expect(r.status).toBe(200);
    expect(r.body.model.name).toBe('codestral_2508_fireworks');
    expect(r.rec?.modelMetadataIgnored).toBe('Invalid model identifier: codestral@2405');
  });

  it('answers 500 where the gateway fails after validation (unknown generation prompt_version)', async () => {
    const res = await fetch(`${gw.url}/v4/code/suggestions`, {
      method: 'POST',
      headers: gatewayHeaders(await issuer.sign()),
      body: JSON.stringify(v3Body('code_editor_generation', { prompt_version: '9.9.9' })),
    });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('Internal Server Error');
    expect(gw.requests.at(-1)?.serverError).toBe("KeyError: '9.9.9'");
  });
});
