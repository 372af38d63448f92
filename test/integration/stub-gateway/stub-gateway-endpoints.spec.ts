import {
  expectedCompletionText,
  startStubGateway,
  type StubGateway,
} from '../../../src/stub-gateway/stub-gateway';
import {
  gatewayHeaders,
  startFakeIssuer,
  v2Body,
  v3Body,
  type FakeIssuer,
  json,
} from './fake-issuer';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

describe('stub gateway: completion endpoints', () => {
  let issuer: FakeIssuer;
  let gw: StubGateway;
  let token: string;

  beforeAll(async () => {
    issuer = await startFakeIssuer();
    gw = await startStubGateway({
      trustedIssuers: () => [issuer.url],
      streamChunkDelayMs: 15,
    });
    token = await issuer.sign();
  });
  afterAll(async () => {
    await gw.close();
    await issuer.close();
  });
  beforeEach(() => gw.clearRequests());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: gatewayHeaders(token, headers),
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  async function readChunks(res: Response): Promise<string[]> {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const chunks: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return chunks;
      chunks.push(decoder.decode(value));
    }
  }

  // The pinned gateway serves a v2 request without model_provider through its Vertex handler:
  // codestral-2508 on Vertex, i.e. the catalogue model codestral_2508_vertex.
  it('answers /v2/code/completions with the default model and a deterministic text', async () => {
    const res = await post('/v2/code/completions', v2Body(), { 'x-request-id': 'req-1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-1');
    const body = await json(res);
    expect(body).toMatchObject({
      id: 'id',
      object: 'text_completion',
      model: {
        engine: 'vertex_ai',
        name: 'codestral_2508_vertex',
        lang: 'python',
        tokens_consumption_metadata: null,
        region: 'us-east1',
      },
      experiments: [],
      metadata: { enabled_feature_flags: [] },
      choices: [
        {
          text: '// completion by gitlab/codestral_2508_vertex via v2 p1\nsuggest("src/main.py");\n',
          index: 0,
          finish_reason: 'length',
        },
      ],
    });
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(5);
  });

  it('uses the requested model, prompt version 3 messages, and serves /v2/completions too', async () => {
    const body = v2Body({
      prompt_version: 3,
      model_provider: 'anthropic',
      model_name: 'claude-sonnet-4-5-20250929',
      prompt: [
        { role: 'system', content: 'You complete code.' },
        { role: 'user', content: '<SUFFIX>' },
      ],
    });
    const res = await post('/v2/completions', body);
    expect(res.status).toBe(200);
    const answer = await json(res);
    expect(answer.model).toMatchObject({ name: 'claude_sonnet_4_5_20250929', lang: 'python' });
    expect(answer.choices[0].text).toBe(
      '// completion by gitlab/claude_sonnet_4_5_20250929 via v2 p3\nsuggest("src/main.py");\n',
    );
  });

  it('serves a gitlab-provider v2 request by its catalogue identifier', async () => {
    const res = await post(
      '/v2/code/completions',
      v2Body({
        model_provider: 'gitlab',
        model_name: 'codestral_2501_fireworks',
        prompt_version: 2,
        prompt: 'p',
      }),
    );
    expect(res.status).toBe(200);
    expect((await json(res)).choices[0].text).toContain(
      'gitlab/codestral_2501_fireworks via v2 p2',
    );
  });

  it('streams v2 as raw text chunks over text/event-stream', async () => {
    const res = await post(
      '/v2/code/completions',
      v2Body({ stream: true, model_provider: 'vertex-ai', model_name: 'codestral-2501' }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const chunks = await readChunks(res);
    expect(chunks.join('')).toBe(
      // vertex-ai/codestral-2501 is redirected to codestral-2508 (the gateway's legacy map).
      '// completion by gitlab/codestral_2508_vertex via v2 p1\nsuggest("src/main.py");\n',
    );
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks.join('')).not.toContain('data:');
  });

  it('answers v3 completion and generation with the per-type default models', async () => {
    let res = await post('/v3/code/completions', v3Body('code_editor_completion'));
    expect(res.status).toBe(200);
    let answer = await json(res);
    expect(answer.choices[0].text).toBe(
      '// completion by gitlab/codestral_2508_fireworks via v3\nsuggest("lib/app.rb");\n',
    );
    expect(answer).toEqual({
      choices: [{ text: expect.any(String), index: 0, finish_reason: 'length' }],
      metadata: {
        model: { engine: 'fireworks_ai', name: 'codestral_2508_fireworks', lang: 'ruby' },
        timestamp: expect.any(Number),
        enabled_feature_flags: [],
        region: null,
      },
      model: { engine: 'fireworks_ai', name: 'codestral_2508_fireworks', lang: 'ruby' },
    });

    res = await post('/v3/code/completions', v3Body('code_editor_generation'));
    answer = await json(res);
    // prompt_id with prompt_version ^1.0.0: SAAS_PROMPT_MODEL_MAP's Anthropic model.
    expect(answer.model).toMatchObject({ engine: 'anthropic', name: 'claude-sonnet-4-5-20250929' });
    expect(answer.choices[0].text).toBe(
      expectedCompletionText({
        api: 'v3',
        kind: 'generation',
        variant: 'code_editor_generation',
        model: { provider: 'anthropic', name: 'claude-sonnet-4-5-20250929' },
        fileName: 'lib/app.rb',
      }),
    );
  });

  it('honours model_metadata on v3 and streams raw chunks', async () => {
    const res = await post(
      '/v3/code/completions',
      v3Body(
        'code_editor_completion',
        { stream: true },
        {
          model_metadata: {
            provider: 'gitlab',
            feature_setting: 'code_completions',
            identifier: 'codestral_2508_vertex',
          },
        },
      ),
    );
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect((await readChunks(res)).join('')).toBe(
      '// completion by gitlab/codestral_2508_vertex via v3\nsuggest("lib/app.rb");\n',
    );
  });

  it('streams v4 as SSE events in order, framed like sse-starlette', async () => {
    const res = await post(
      '/v4/code/suggestions',
      v3Body('code_editor_generation', { stream: true }),
      { 'x-gitlab-enabled-feature-flags': 'flag_a,flag_b' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-streaming-format')).toBe('sse');
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const raw = (await readChunks(res)).join('');
    const events = raw
      .split('\r\n\r\n')
      .filter(Boolean)
      .map((block) => {
        const [eventLine, dataLine, ...rest] = block.split('\r\n');
        expect(rest).toEqual([]);
        expect(eventLine).toMatch(/^event: /);
        expect(dataLine).toMatch(/^data: /);
        return { event: eventLine.slice(7), data: JSON.parse(dataLine.slice(6)) };
      });
    expect(raw.endsWith('\r\n\r\n')).toBe(true);
    expect(events.map((e) => e.event)).toEqual([
      'stream_start',
      'content_chunk',
      'content_chunk',
      'content_chunk',
      'stream_end',
    ]);
    expect(events[0].data.metadata.model).toEqual({
      engine: 'anthropic',
      name: 'claude-sonnet-4-5-20250929',
    });
    expect(events[0].data.metadata.region).toBe('us-east1');
    expect(events[0].data.metadata.enabled_feature_flags).toEqual(['flag_a', 'flag_b']);
    const text = events
      .filter((e) => e.event === 'content_chunk')
      .map((e) => {
        expect(e.data.choices[0].index).toBe(0);
        return e.data.choices[0].delta.content as string;
      })
      .join('');
    expect(text).toBe(
      '// generation by anthropic/claude-sonnet-4-5-20250929 via v4\nsuggest("lib/app.rb");\n',
    );
    expect(events[4].data).toBeNull();
  });

  it('answers v4 without stream as JSON', async () => {
    const res = await post('/v4/code/suggestions', v3Body('code_editor_completion'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-streaming-format')).toBeNull();
    expect((await json(res)).choices[0].text).toBe(
      '// completion by gitlab/codestral_2508_fireworks via v4\nsuggest("lib/app.rb");\n',
    );
  });

  // The pinned gateway's 422 is not FastAPI's default list: its handler answers
  // {"detail": str(exc.errors())}, the Python repr of pydantic's errors.
  it('rejects a model that is not valid for its provider with the gateway 422', async () => {
    const res = await post(
      '/v2/code/completions',
      v2Body({ model_provider: 'vertex-ai', model_name: 'claude-3-haiku-20240307' }),
    );
    expect(res.status).toBe(422);
    expect(await json(res)).toEqual({
      detail:
        "[{'type': 'value_error', 'loc': ('body', 1, 'model_name'), 'msg': 'Value error, model " +
        'claude-3-haiku-20240307 is not supported by use case code completions and provider ' +
        "vertex-ai', 'input': 'claude-3-haiku-20240307', 'ctx': {'error': ValueError('model " +
        'claude-3-haiku-20240307 is not supported by use case code completions and provider ' +
        "vertex-ai')}}]",
    });
  });

  it('rejects bad bodies with pydantic-style details', async () => {
    const issues = () => gw.requests.at(-1)?.validationErrors ?? [];
    let res = await post(
      '/v2/code/completions',
      v2Body({ model_provider: 'openai', current_file: { file_name: 'a.py' } }),
    );
    expect(res.status).toBe(422);
    expect(issues().map((d) => [d.type, d.loc.join('.')])).toEqual([
      ['missing', 'body.1.current_file.content_above_cursor'],
      ['missing', 'body.1.current_file.content_below_cursor'],
      ['enum', 'body.1.model_provider'],
    ]);
    expect((await json(res)).detail).toContain("'loc': ('body', 1, 'model_provider')");

    res = await post('/v2/code/completions', v2Body({ prompt_version: 9 }));
    expect(issues()[0]?.type).toBe('union_tag_invalid');

    res = await post('/v2/code/completions', '{"prompt_version": 1,');
    expect(res.status).toBe(422);
    expect(issues()[0]).toMatchObject({ type: 'json_invalid', msg: 'JSON decode error' });

    res = await post('/v3/code/completions', { prompt_components: [] });
    expect(res.status).toBe(422);
    expect(issues()[0]).toMatchObject({ type: 'too_short', loc: ['body', 'prompt_components'] });

    // A generation's model_provider may only be vertex-ai, anthropic or amazon_q.
    res = await post(
      '/v3/code/completions',
      v3Body('code_editor_generation', { model_provider: 'fireworks_ai' }),
    );
    expect(res.status).toBe(422);
    expect(issues()[0]).toMatchObject({
      type: 'literal_error',
      loc: ['body', 'prompt_components', 0, 'code_editor_generation', 'payload', 'model_provider'],
    });
  });

  it('answers unknown routes with 404 and wrong methods with 405', async () => {
    let res = await fetch(`${gw.url}/v5/nothing`);
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ detail: 'Not Found' });
    res = await fetch(`${gw.url}/v2/code/completions`);
    expect(res.status).toBe(405);
  });

  it('records requests with lower-cased headers, parsed body, status and model', async () => {
    await post('/v2/code/completions', v2Body(), { 'X-Gitlab-Host-Name': 'gitlab.example.com' });
    await post('/v2/code/completions', v2Body({ prompt_version: 7 }));
    expect(gw.requests).toHaveLength(2);
    const [ok, bad] = gw.requests;
    expect(ok).toMatchObject({
      method: 'POST',
      path: '/v2/code/completions',
      status: 200,
      outcome: 'answered',
      model: { provider: 'gitlab', name: 'codestral_2508_vertex' },
    });
    expect(ok.headers['x-gitlab-host-name']).toBe('gitlab.example.com');
    expect((ok.body as { project_path: string }).project_path).toBe('group/project');
    expect(bad.status).toBe(422);
    const viaHttp = await json(await fetch(`${gw.url}/stub/requests`));
    expect(viaHttp.map((r: { seq: number }) => r.seq)).toEqual([ok.seq, bad.seq]);
    expect((await fetch(`${gw.url}/stub/requests`, { method: 'DELETE' })).status).toBe(204);
    expect(gw.requests).toHaveLength(0);
  });
});
