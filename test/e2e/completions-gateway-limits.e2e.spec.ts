// The pinned AI Gateway's limits, enforced at our edge (issue #21, item 4): what the gateway would
// refuse with a 422 is our 400 naming the field, and nothing reaches the gateway; what it takes
// at the limit is forwarded unchanged. The limits come from the pinned contract
// (config/aigw/contract.json), the same file the twin enforces.
import { EDGE_LIMITS } from '../../src/code-suggestions/gateway-limits';
import { completionBody, startStack, Stack } from '../support/stack';

jest.setTimeout(60_000);

const item = (content: string, i = 0) => ({ type: 'file', name: `f${i}.py`, content });
const telemetry = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    model_engine: 'vertex-ai',
    model_name: 'codestral-2501',
    lang: 'python',
    requests: i,
    accepts: 0,
    errors: 0,
  }));

describe('completions: the gateway’s limits at our edge', () => {
  let s: Stack;
  const post = async (body: unknown) => {
    const { user } = await s.f.seatedUser();
    const mark = s.mark();
    const r = await s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token: user.token,
      body,
    });
    return { ...r, upstream: s.since(mark) };
  };
  const v4 = (on: boolean) => s.f.setFlag('code_completion_v4_endpoint', { value: on });

  beforeAll(async () => {
    s = await startStack();
  }, 60_000);
  afterAll(() => s?.close());

  it('the limits are the pinned gateway’s', () => {
    expect(EDGE_LIMITS).toMatchObject({
      projectPath: 255,
      fileName: 255,
      languageIdentifier: 255,
      telemetryItems: 10,
      telemetryStrings: 50,
      completionContext: {
        v2: { items: 100, content: 500_000 },
        v3: { items: 99, content: 100_000 },
        v4: { items: 99, content: 100_000 },
      },
    });
  });

  type Row = [Record<string, unknown>, string, Record<string, unknown>?];
  it.each<Row>([
    [{ project_path: 'g/'.repeat(128) }, 'project_path is too long'],
    [{}, 'current_file[language_identifier] is too long', { language_identifier: 'p'.repeat(256) }],
    [{ telemetry: telemetry(11) }, 'telemetry is too long'],
    [
      { telemetry: [{ model_name: 'm', accepts: 1, errors: 0 }] },
      'telemetry[0][requests] is missing',
    ],
    [
      { telemetry: [{ requests: '1', accepts: 1, errors: 0 }] },
      'telemetry[0][requests] is invalid',
    ],
    [
      { telemetry: [{ requests: 1.5, accepts: 1, errors: 0 }] },
      'telemetry[0][requests] is invalid',
    ],
    [
      { telemetry: [{ requests: 1, accepts: 1, errors: 0, lang: 'l'.repeat(51) }] },
      'telemetry[0][lang] is too long',
    ],
    [{ telemetry: ['a'] }, 'telemetry[0] is invalid'],
  ])('400 %#: %j → %s, and nothing reaches the gateway', async (over, error, file = {}) => {
    const r = await post(completionBody(over, file));
    expect(r).toMatchObject({ status: 400, body: { error } });
    expect(r.upstream).toEqual([]);
  });

  it('at the limits everything is forwarded unchanged (v2)', async () => {
    await v4(false);
    const projectPath = 'g/'.repeat(127) + 'p'; // 255
    const lang = 'l'.repeat(255);
    const sent = telemetry(10).map((t) => ({ ...t, extra_member: true }));
    const r = await post(
      completionBody(
        { project_path: projectPath, telemetry: sent, context: [item('x'.repeat(500_000))] },
        { language_identifier: lang },
      ),
    );
    expect({ status: r.status, refused: r.upstream[0]?.validationErrors }).toEqual({
      status: 200,
      refused: undefined,
    });
    expect(r.upstream).toHaveLength(1);
    expect(r.upstream[0].path).toBe('/v2/code/completions');
    const body = r.upstream[0].body as Record<string, any>;
    expect(body.project_path).toBe(projectPath);
    expect(body.current_file.language_identifier).toBe(lang);
    expect(body.telemetry).toEqual(sent);
    expect(body.context[0].content).toHaveLength(500_000);
  });

  it('v2: a context item over 500,000 characters is our 400', async () => {
    await v4(false);
    const r = await post(completionBody({ context: [item('a'), item('x'.repeat(500_001), 1)] }));
    expect(r.status).toBe(400);
    expect((r.body as { error: string }).error).toMatch(
      /^context\[1\]\[content\] is too long \(at most 500000 characters for a completion through \/v2\/code\/completions\)$/,
    );
    expect(r.upstream).toEqual([]);
  });

  describe('v4 (code_completion_v4_endpoint on)', () => {
    beforeAll(() => v4(true));
    afterAll(() => v4(false));

    it('a 100,000-character context item is forwarded as a code_context component', async () => {
      const r = await post(completionBody({ context: [item('y'.repeat(100_000))] }));
      expect(r.status).toBe(200);
      expect(r.upstream[0].path).toBe('/v4/code/suggestions');
      const components = (r.upstream[0].body as { prompt_components: any[] }).prompt_components;
      expect(components.map((c) => c.type)).toEqual(['code_editor_completion', 'code_context']);
      expect(components[1].payload.content).toHaveLength(100_000);
    });

    it('a 100,001-character context item is our 400 naming the item', async () => {
      const r = await post(completionBody({ context: [item('y'.repeat(100_001))] }));
      expect(r.status).toBe(400);
      expect((r.body as { error: string }).error).toBe(
        'context[0][content] is too long (at most 100000 characters for a completion through /v4/code/suggestions)',
      );
      expect(r.upstream).toEqual([]);
    });

    it('99 context items go (100 components with the editor’s), 100 are our 400', async () => {
      const items = (n: number) => Array.from({ length: n }, (_, i) => item('z', i));
      const ok = await post(completionBody({ context: items(99) }));
      expect(ok.status).toBe(200);
      expect(
        (ok.upstream[0].body as { prompt_components: unknown[] }).prompt_components,
      ).toHaveLength(100);
      const r = await post(completionBody({ context: items(100) }));
      expect(r).toMatchObject({
        status: 400,
        body: {
          error:
            'context has too many items (at most 99 for a completion through /v4/code/suggestions)',
        },
      });
      expect(r.upstream).toEqual([]);
    });

    it('content around the cursor keeps GitLab’s trimming to 100,000 code points', async () => {
      const above = 'a'.repeat(50_000) + '😀'.repeat(100_000);
      const below = 'b'.repeat(150_000);
      const r = await post(
        completionBody({}, { content_above_cursor: above, content_below_cursor: below }),
      );
      expect(r.status).toBe(200);
      const payload = (r.upstream[0].body as { prompt_components: any[] }).prompt_components[0]
        .payload;
      expect(payload.content_above_cursor).toBe('😀'.repeat(100_000));
      expect(payload.content_below_cursor).toBe('b'.repeat(100_000));
    });
  });
});
