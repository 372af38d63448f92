import { shippedCatalogue } from '../support/catalogue';
import { BACKUP_MODEL, PRIMARY, PRIMARY_MODEL } from '../support/failover-helpers';
import { LogCapture } from '../support/hostile/corpus';
import { completionBody, startStack, Stack } from '../support/stack';
import { waitUntil } from '../support/wait';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

/** The shipped catalogue's (first) beta rule: its model, flag and opt-out flag. */
const betaRule = shippedCatalogue().completionRules.find((r) => r.kind === 'beta');
if (betaRule?.kind !== 'beta') throw new Error('config/models.yml: these tests need a beta rule');
const BETA = betaRule.model;

describe('POST /api/v4/code_suggestions/completions', () => {
  let s: Stack;
  const logs = new LogCapture();
  const post = (token: string, body: unknown, headers: Record<string, string> = {}) =>
    s.app.api.call('POST', '/api/v4/code_suggestions/completions', { token, body, headers });
  const lastUpstream = (): { path: string; body: any; headers: Record<string, string> } =>
    s.stub.requests[s.stub.requests.length - 1];

  beforeAll(async () => {
    // Every line at info kept in memory, for the `code completion input:` test.
    s = await startStack({ logDestination: logs, env: { LOG_LEVEL: 'info' } });
  }, 60_000);
  afterAll(() => s?.close());
  afterEach(async () => {
    for (const flag of [
      betaRule.flag,
      betaRule.optOutFlag,
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

  it('the beta flag moves a user to the beta model; an opted-out seat group keeps its users on the old model', async () => {
    const a = await s.f.seatedUser();
    const b = await s.f.seatedUser();
    await s.f.setFlag(betaRule.flag, {
      value: true,
      user: `${a.user.username},${b.user.username}`,
    });
    await s.f.setFlag(betaRule.optOutFlag, {
      value: true,
      group: b.group.full_path,
    });
    await post(a.user.token, completionBody());
    expect(lastUpstream().body.model_metadata).toEqual({
      provider: 'gitlab',
      feature_setting: 'code_completions',
      identifier: BETA.gitlabIdentifier,
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
      model_provider: BETA.provider,
      model_name: BETA.name,
    });
    await post(b.user.token, completionBody());
    expect(lastUpstream().body).toMatchObject({
      model_provider: PRIMARY_MODEL.provider,
      model_name: PRIMARY_MODEL.name,
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

  it('the failover flag moves everyone to the backup model with a prompt-version-3 messages body', async () => {
    const { user } = await s.f.seatedUser();
    await s.f.setFlag('incident_fail_over_completion_provider', { value: true });
    const r = await post(user.token, completionBody());
    expect(r.status).toBe(200);
    const up = lastUpstream();
    expect(up.body).toMatchObject({
      model_provider: BACKUP_MODEL.provider,
      model_name: BACKUP_MODEL.name,
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
    expect(lastUpstream().path).toBe('/v2/code/completions');
    expect(await v2.text()).toBe(
      `// completion by gitlab/${PRIMARY.model} via v2 p1\nsuggest("src/main.py");\n`,
    );

    // A client that reads SSE says so; only then does a stream go to v4 (the v4 flag is on by default).
    const v4 = await fetch(`${s.app.url}/api/v4/code_suggestions/completions`, {
      method: 'POST',
      headers: {
        'private-token': user.token,
        'content-type': 'application/json',
        'x-supports-sse-streaming': 'true',
      },
      body: JSON.stringify(completionBody({ stream: true })),
    });
    expect(v4.status).toBe(200);
    expect(v4.headers.get('x-streaming-format')).toBe('sse');
    expect(lastUpstream().path).toBe('/v4/code/suggestions');
    const text = await v4.text();
    const events = [...text.matchAll(/event: (\w+)/g)].map((m) => m[1]);
    expect(events[0]).toBe('stream_start');
    expect(events).toContain('content_chunk');
    expect(events[events.length - 1]).toBe('stream_end');
  });

  it('logs `code completion input:` with model, API, task, deciding flags and request id; code only with expanded_ai_logging', async () => {
    const { user } = await s.f.seatedUser();
    const from = logs.lines.length;
    const inputLines = () =>
      logs.lines
        .slice(from)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'code completion input:');
    const secretCode = 'def very_private_function(a, b):\n    ';
    await s.f.setFlag(betaRule.flag, { value: true, user: user.username });
    const r = await post(user.token, completionBody({}, { content_above_cursor: secretCode }), {
      'x-request-id': 'req-log-1',
    });
    expect(r.status).toBe(200);
    let lines = inputLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      reqId: 'req-log-1',
      model_provider: 'gitlab',
      model_name: BETA.gitlabIdentifier,
      api: 'v4',
      endpoint: '/v4/code/suggestions',
      task: 'completion',
      model_source: 'beta',
    });
    expect(lines[0].deciding_flags).toMatchObject({
      [betaRule.flag]: true,
      [betaRule.optOutFlag]: false,
      incident_fail_over_completion_provider: false,
    });
    expect(JSON.stringify(lines[0])).not.toContain('very_private_function');

    await s.f.setFlag('expanded_ai_logging', { value: true, user: user.username });
    await post(user.token, completionBody({}, { content_above_cursor: secretCode }), {
      'x-request-id': 'req-log-2',
    });
    lines = inputLines();
    expect(lines[1]).toMatchObject({
      reqId: 'req-log-2',
      file_name: 'src/main.py',
      content_above_cursor: secretCode,
    });
    // on for that user only
    const other = await s.f.seatedUser();
    await post(other.user.token, completionBody({}, { content_above_cursor: secretCode }));
    lines = inputLines();
    expect(lines).toHaveLength(3);
    expect(JSON.stringify(lines[2])).not.toContain('very_private_function');
  });

  it('a client that leaves mid-stream cancels the upstream request', async () => {
    const { user } = await s.f.seatedUser();
    s.stub.clearRequests();
    // The gateway sends one piece and then holds the stream open.
    s.stub.faults.add({ ...PRIMARY, stallAfterChunks: 1 });
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
