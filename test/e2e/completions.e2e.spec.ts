import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as logging from '../../src/common/logging/logger';
import { Factory } from '../support/factories';
import { completionBody, startStack, Stack } from '../support/stack';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

describe('POST /api/v4/code_suggestions/completions', () => {
  let s: Stack;
  const post = (token: string, body: unknown, headers: Record<string, string> = {}) =>
    s.app.api.call('POST', '/api/v4/code_suggestions/completions', { token, body, headers });
  const lastUpstream = (): { path: string; body: any; headers: Record<string, string> } =>
    s.stub.requests[s.stub.requests.length - 1];

  beforeAll(async () => {
    s = await startStack();
  }, 60_000);
  afterAll(() => s?.close());
  afterEach(async () => {
    for (const flag of [
      'code_completion_model_codestral_2508_vertex',
      'code_completion_opt_out_codestral_2508_vertex',
      'code_completion_v4_endpoint',
      'incident_fail_over_completion_provider',
      'expanded_ai_logging',
      'ai_duo_code_suggestions_switch',
    ]) {
      await s.app.api.call('DELETE', `/api/v4/features/${flag}`, { token: s.app.rootToken });
    }
    s.stub.faults.clear();
  });

  it('default: v4 with model_metadata (the gateway default), our signed token, identity headers', async () => {
    const { user, group } = await s.f.seatedUser();
    const r = await post(user.token, completionBody(), {
      'user-agent': 'gitlab-language-server 7.0',
      'x-secret-client-header': 'drop-me',
    });
    expect(r.status).toBe(200);
    const up = lastUpstream();
    expect(up.path).toBe('/v4/code/suggestions');
    expect(up.body.model_metadata).toEqual({
      provider: 'gitlab',
      feature_setting: 'code_completions',
    });
    expect(up.headers['x-gitlab-deployment-type']).toBe('.com');
    expect(up.headers.authorization).toMatch(/^Bearer ey/);
    expect(up.headers['x-gitlab-feature-enabled-by-namespace-ids']).toBe(String(group.id));
    expect(up.headers['x-gitlab-realm']).toBe('saas');
    expect(up.headers['user-agent']).toBe('gitlab-language-server 7.0');
    expect(up.headers['x-secret-client-header']).toBeUndefined();
    expect(up.headers['x-request-id']).toBe(r.headers.get('x-request-id'));
  });

  it('the beta flag moves a user to codestral; an opted-out seat group keeps its users on the old model', async () => {
    const a = await s.f.seatedUser();
    const b = await s.f.seatedUser();
    await s.f.setFlag('code_completion_model_codestral_2508_vertex', {
      value: true,
      user: `${a.user.username},${b.user.username}`,
    });
    await s.f.setFlag('code_completion_opt_out_codestral_2508_vertex', {
      value: true,
      group: b.group.full_path,
    });
    await post(a.user.token, completionBody());
    expect(lastUpstream().body.model_metadata).toEqual({
      provider: 'gitlab',
      feature_setting: 'code_completions',
      identifier: 'codestral_2508_vertex',
    });
    await post(b.user.token, completionBody());
    expect(lastUpstream().body.model_metadata).toEqual({
      provider: 'gitlab',
      feature_setting: 'code_completions',
    });
    // v4 off for the user: v2 with the pinned gateway's names.
    await s.f.setFlag('code_completion_v4_endpoint', { value: false });
    await post(a.user.token, completionBody());
    expect(lastUpstream().body).toMatchObject({
      model_provider: 'vertex-ai',
      model_name: 'codestral-2508',
    });
    await post(b.user.token, completionBody());
    expect(lastUpstream().body).toMatchObject({
      model_provider: 'fireworks_ai',
      model_name: 'codestral-2508',
    });
  });

  it('the v4 flag moves a user to /v4/code/suggestions with prompt_components', async () => {
    const { user } = await s.f.seatedUser();
    await s.f.setFlag('code_completion_v4_endpoint', { value: true, user: user.username });
    const r = await post(user.token, completionBody());
    expect(r.status).toBe(200);
    const up = lastUpstream();
    expect(up.path).toBe('/v4/code/suggestions');
    expect(up.body.prompt_components[0]).toMatchObject({
      type: 'code_editor_completion',
      payload: { file_name: 'src/main.py' },
    });
  });

  it('the failover flag moves everyone to anthropic with a prompt-version-3 messages body', async () => {
    const { user } = await s.f.seatedUser();
    await s.f.setFlag('incident_fail_over_completion_provider', { value: true });
    const r = await post(user.token, completionBody());
    expect(r.status).toBe(200);
    const up = lastUpstream();
    expect(up.body).toMatchObject({
      model_provider: 'anthropic',
      model_name: 'claude-sonnet-4-5-20250929',
      prompt_version: 3,
    });
    expect(Array.isArray(up.body.prompt)).toBe(true);
    expect(up.body.prompt.map((m: { role: string }) => m.role)).toEqual(
      expect.arrayContaining(['system', 'user']),
    );
  });

  it('generation goes to v4 with X-Supports-Sse-Streaming, else v3', async () => {
    const { user } = await s.f.seatedUser();
    const gen = completionBody({
      intent: 'generation',
      user_instruction: 'write a function that adds two numbers',
    });
    await post(user.token, gen, { 'x-supports-sse-streaming': 'true' });
    expect(lastUpstream().path).toBe('/v4/code/suggestions');
    expect(lastUpstream().body.prompt_components[0].type).toBe('code_editor_generation');
    await post(user.token, gen);
    expect(lastUpstream().path).toBe('/v3/code/completions');
    const comment = completionBody(
      {},
      { content_above_cursor: '# write a function that reverses a string\n' },
    );
    await post(user.token, comment);
    expect(lastUpstream().path).toBe('/v3/code/completions');
  });

  it('streams v2 raw text chunks and v4 SSE events end to end', async () => {
    const { user } = await s.f.seatedUser();
    const v2 = await fetch(`${s.app.url}/api/v4/code_suggestions/completions`, {
      method: 'POST',
      headers: { 'private-token': user.token, 'content-type': 'application/json' },
      body: JSON.stringify(completionBody({ stream: true })),
    });
    expect(v2.status).toBe(200);
    expect(v2.headers.get('content-type')).toContain('text/event-stream');
    expect(await v2.text()).toBe(
      '// completion by gitlab/codestral_2508_fireworks via v2 p1\nsuggest("src/main.py");\n',
    );

    await s.f.setFlag('code_completion_v4_endpoint', { value: true, user: user.username });
    const v4 = await fetch(`${s.app.url}/api/v4/code_suggestions/completions`, {
      method: 'POST',
      headers: { 'private-token': user.token, 'content-type': 'application/json' },
      body: JSON.stringify(completionBody({ stream: true })),
    });
    expect(v4.headers.get('x-streaming-format')).toBe('sse');
    const text = await v4.text();
    const events = [...text.matchAll(/event: (\w+)/g)].map((m) => m[1]);
    expect(events[0]).toBe('stream_start');
    expect(events).toContain('content_chunk');
    expect(events[events.length - 1]).toBe('stream_end');
  });

  it('logs `code completion input:` with model, API, task, deciding flags and request id; code only with expanded_ai_logging', async () => {
    const { user } = await s.f.seatedUser();
    const lines: Record<string, unknown>[] = [];
    const capture = (obj: unknown, msg?: string) => {
      if (msg === 'code completion input:') lines.push(obj as Record<string, unknown>);
    };
    const spy = jest.spyOn(logging.rootLogger, 'info').mockImplementation(capture);
    const secretCode = 'def very_private_function(a, b):\n    ';
    try {
      await s.f.setFlag('code_completion_model_codestral_2508_vertex', {
        value: true,
        user: user.username,
      });
      const r = await post(user.token, completionBody({}, { content_above_cursor: secretCode }), {
        'x-request-id': 'req-log-1',
      });
      expect(r.status).toBe(200);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        reqId: 'req-log-1',
        model_provider: 'gitlab',
        model_name: 'codestral_2508_vertex',
        api: 'v4',
        endpoint: '/v4/code/suggestions',
        task: 'completion',
        model_source: 'beta',
      });
      expect(lines[0].deciding_flags).toMatchObject({
        code_completion_model_codestral_2508_vertex: true,
        code_completion_opt_out_codestral_2508_vertex: false,
        incident_fail_over_completion_provider: false,
      });
      expect(JSON.stringify(lines[0])).not.toContain('very_private_function');

      await s.f.setFlag('expanded_ai_logging', { value: true, user: user.username });
      await post(user.token, completionBody({}, { content_above_cursor: secretCode }), {
        'x-request-id': 'req-log-2',
      });
      expect(lines[1]).toMatchObject({
        reqId: 'req-log-2',
        file_name: 'src/main.py',
        content_above_cursor: secretCode,
      });
      // on for that user only
      const other = await s.f.seatedUser();
      await post(other.user.token, completionBody({}, { content_above_cursor: secretCode }));
      expect(JSON.stringify(lines[2])).not.toContain('very_private_function');
    } finally {
      spy.mockRestore();
    }
  });

  it('a client that leaves mid-stream cancels the upstream request', async () => {
    const { user } = await s.f.seatedUser();
    s.stub.clearRequests();
    // The gateway sends one piece and then holds the stream open.
    s.stub.faults.add({ model: 'code-gecko@002', stallAfterChunks: 1 });
    const ac = new AbortController();
    const res = await fetch(`${s.app.url}/api/v4/code_suggestions/completions`, {
      method: 'POST',
      headers: { 'private-token': user.token, 'content-type': 'application/json' },
      body: JSON.stringify(completionBody({ stream: true })),
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(s.stub.requests[0].outcome).toBe('hang');
    ac.abort();
    await waitUntil(
      () => s.stub.requests[0].outcome === 'aborted',
      'the upstream request is aborted',
    );
    expect(s.stub.requests[0].outcome).toBe('aborted');
  });
});

describe('a model added through configuration only, under the built-in stub gateway', () => {
  const BETA = 'code_completion_model_mistral_next';
  const OPT_OUT = 'code_completion_opt_out_mistral_next';
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
    // A provider and model the stub does not know out of the box.
    const models = fs
      .readFileSync(path.resolve('config/models.yml'), 'utf8')
      .replace(
        '\ncompletion:\n',
        [
          '',
          '  - key: mistral-next',
          '    provider: mistral',
          '    name: codestral-2508',
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
          '      model: mistral-next',
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
    expect(before.body.choices[0].text).toMatch(/^\/\/ completion by vertex-ai\/code-gecko@002/);
    await f.setFlag(BETA, { value: true, user: user.username });
    const after = await post();
    expect(after.status).toBe(200);
    expect(after.body.choices[0].text).toMatch(
      /^\/\/ completion by mistral\/codestral-2508 via v2/,
    );
  });
});
