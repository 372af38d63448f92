import type { RecordedRequest } from '../../src/stub-gateway/stub-gateway.types';
import { PRIMARY } from '../support/failover-helpers';
import { completionBody, startStack, Stack } from '../support/stack';
import { waitUntil } from '../support/wait';

// Every test here drives a booted service over HTTP: a loaded machine needs more than 5 s.
jest.setTimeout(60_000);

interface EditorFile {
  content_above_cursor: string;
  content_below_cursor: string;
}
/** The file a completion sent upstream: v2's current_file, or the editor component's payload. */
function editorFile(q: RecordedRequest | undefined): EditorFile | undefined {
  const body = q?.body as
    { current_file?: EditorFile; prompt_components?: { payload: EditorFile }[] } | undefined;
  return body?.current_file ?? body?.prompt_components?.[0]?.payload;
}
const isCompletion = (q: RecordedRequest) => /^\/v[234]\/code\//.test(q.path);

describe('completions: checks, their order and their answers', () => {
  let s: Stack;
  const post = (token: string, body: unknown, opts: { raw?: string | Buffer } = {}) =>
    s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token,
      ...(opts.raw !== undefined ? { raw: opts.raw } : { body }),
    });

  beforeAll(async () => {
    s = await startStack({ env: { GATEWAY_TIMEOUT_MS: '1500' } });
  }, 60_000);
  afterAll(() => s?.close());
  afterEach(() => s.stub.faults.clear());

  it('kill switch off → 404 before anything else (even for a user without a seat)', async () => {
    const noSeat = await s.f.user();
    await s.f.setFlag('ai_duo_code_suggestions_switch', { value: false });
    try {
      const r = await post(noSeat.token, {});
      expect(r).toMatchObject({ status: 404, body: { message: '404 Not Found' } });
    } finally {
      await s.app.api.call('DELETE', '/api/v4/features/ai_duo_code_suggestions_switch', {
        token: s.app.rootToken,
      });
    }
  });

  it('no seat → 401 with X-GitLab-Error-Origin: monolith, before validation', async () => {
    const noSeat = await s.f.user();
    const r = await post(noSeat.token, {});
    expect(r).toMatchObject({ status: 401, body: { message: '401 Unauthorized' } });
    expect(r.headers.get('x-gitlab-error-origin')).toBe('monolith');
  });

  it.each([
    [{}, 'current_file is missing'],
    [{ current_file: { file_name: 'a.py' } }, 'current_file[content_above_cursor] is missing'],
    [completionBody({}, { file_name: 'x'.repeat(256) }), 'current_file[file_name] is too long'],
    [completionBody({ context: [] }), 'context is empty'],
    [
      completionBody({ context: [{ type: 'image', name: 'a', content: 'b' }] }),
      'context[0][type] does not have a valid value',
    ],
    [
      completionBody({ context: [{ type: 'file', name: ' ', content: 'b' }] }),
      'context[0][name] is empty',
    ],
    [completionBody({ intent: 'poetry' }), 'intent does not have a valid value'],
    [completionBody({ generation_type: 'novel' }), 'generation_type does not have a valid value'],
    [completionBody({ stream: 'maybe' }), 'stream is invalid'],
    [
      completionBody({
        context: Array.from({ length: 101 }, () => ({ type: 'file', name: 'a', content: 'b' })),
      }),
      'context is too long',
    ],
    [
      completionBody({
        context: Array.from({ length: 10_000 }, () => ({ type: 'file', name: 'a', content: 'b' })),
      }),
      'context is too long',
    ],
    [
      completionBody({}, { content_above_cursor: 'x'.repeat(400_001) }),
      'current_file[content_above_cursor] is too long',
    ],
  ])('400 %#: %s', async (body, error) => {
    const { user } = await s.f.seatedUser();
    const r = await post(user.token, body);
    expect(r).toMatchObject({ status: 400, body: { error } });
  });

  it("limits are GitLab's: stream coerces like Grape; passthrough fields and long instructions are forwarded", async () => {
    const { user } = await s.f.seatedUser();
    s.stub.clearRequests();
    const streamed = await post(user.token, completionBody({ stream: 'true' }));
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toMatch(/event-stream/);
    expect((await post(user.token, completionBody({ stream: 'false' }))).status).toBe(200);
    // 100 context items (v2's own limit; v4 takes 99, see completions-gateway-limits) are forwarded
    const items = Array.from({ length: 100 }, (_, i) => ({
      type: 'file',
      name: `f${i}`,
      content: 'x',
    }));
    await s.f.setFlag('code_completion_v4_endpoint', { value: false, user: user.username });
    try {
      expect((await post(user.token, completionBody({ context: items }))).status).toBe(200);
      const v2 = s.stub.requests.at(-1);
      expect(v2?.path).toBe('/v2/code/completions');
      expect((v2?.body as { context: unknown[] }).context).toHaveLength(100);
    } finally {
      await s.app.api.call('DELETE', '/api/v4/features/code_completion_v4_endpoint', {
        token: s.app.rootToken,
      });
    }
    // GitLab's user_instruction limit is 600,000 characters, not 400,000
    const instruction = 'y'.repeat(450_000);
    expect((await post(user.token, completionBody({ user_instruction: instruction }))).status).toBe(
      200,
    );
    // telemetry the gateway would refuse (11 items, none of its shape) is our 400, not its 422
    // (test/e2e/completions-gateway-limits.e2e.spec.ts has the rest of the gateway's limits)
    const many = await post(
      user.token,
      completionBody({ telemetry: Array.from({ length: 11 }, () => ({})) }),
    );
    expect(many.status).toBe(400);
    expect((many.body as { error: string }).error).toMatch(/^telemetry/);
    const gen = s.stub.requests.find(
      (q) =>
        (q.body as { prompt_components?: { type: string }[] }).prompt_components?.[0]?.type ===
        'code_editor_generation',
    )?.body as {
      prompt_components: { payload: { prompt_enhancer: { user_instruction: string } } }[];
    };
    expect(gen.prompt_components[0].payload.prompt_enhancer.user_instruction).toHaveLength(450_000);
  });

  it('non-JSON → 400', async () => {
    const { user } = await s.f.seatedUser();
    expect((await post(user.token, undefined, { raw: 'current_file=x' })).status).toBe(400);
  });

  it('a 599,999-char body is accepted; a 600,001-char body is 413', async () => {
    const { user } = await s.f.seatedUser();
    const sized = (n: number) => {
      const base = JSON.stringify(
        completionBody({}, { content_above_cursor: '', content_below_cursor: '' }),
      );
      const pad = n - base.length;
      const half = Math.floor(pad / 2);
      return JSON.stringify(
        completionBody(
          {},
          { content_above_cursor: 'a'.repeat(half), content_below_cursor: 'b'.repeat(pad - half) },
        ),
      );
    };
    const ok = sized(599_999);
    expect(ok.length).toBe(599_999);
    s.stub.clearRequests();
    expect((await post(user.token, undefined, { raw: ok })).status).toBe(200);
    const big = sized(600_001);
    expect((await post(user.token, undefined, { raw: big })).status).toBe(413);
    // content is cut for the gateway: last 100,000 above, first 100,000 below
    const up = editorFile(s.stub.requests.find(isCompletion));
    expect(up?.content_above_cursor).toBe('a'.repeat(100_000));
    expect(up?.content_below_cursor).toBe('b'.repeat(100_000));
  });

  it('characters are counted as GitLab does (code points): 160,000 emoji each side is 320,092 chars, accepted', async () => {
    const { user } = await s.f.seatedUser();
    const emoji = '\u{1F600}';
    const body = JSON.stringify(
      completionBody(
        {},
        {
          content_above_cursor: emoji.repeat(160_000),
          content_below_cursor: emoji.repeat(160_000),
        },
      ),
    );
    expect(body.length).toBeGreaterThan(600_000);
    expect([...body].length).toBeLessThan(600_000);
    s.stub.clearRequests();
    expect((await post(user.token, undefined, { raw: body })).status).toBe(200);
    // and the cut for the gateway is 100,000 characters, not 50,000 emoji
    const up = editorFile(s.stub.requests.find(isCompletion));
    expect([...(up?.content_above_cursor ?? '')].length).toBe(100_000);
    expect([...(up?.content_below_cursor ?? '')].length).toBe(100_000);
    // 300,001 emoji on each side: over 600,000 characters -> 413
    const big = JSON.stringify(
      completionBody(
        {},
        {
          content_above_cursor: emoji.repeat(300_001),
          content_below_cursor: emoji.repeat(300_001),
        },
      ),
    );
    expect((await post(user.token, undefined, { raw: big })).status).toBe(413);
    const longName = completionBody({}, { file_name: emoji.repeat(256) });
    expect(await post(user.token, longName)).toMatchObject({
      status: 400,
      body: { error: 'current_file[file_name] is too long' },
    });
    expect(
      (await post(user.token, completionBody({}, { file_name: emoji.repeat(255) }))).status,
    ).toBe(200);
  });

  it('a body that is not UTF-8 → 400', async () => {
    const { user } = await s.f.seatedUser();
    const valid = Buffer.from(JSON.stringify(completionBody()), 'utf8');
    const broken = Buffer.concat([
      valid.subarray(0, 40),
      Buffer.from([0xff, 0xfe]),
      valid.subarray(40),
    ]);
    const r = await post(user.token, undefined, { raw: broken });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/UTF-8/);
  });

  it('61st request in a minute → 429 with GitLab body and Retry-After', async () => {
    const { user } = await s.f.seatedUser();
    let last = await post(user.token, completionBody());
    for (let i = 1; i < 61; i++) last = await post(user.token, completionBody());
    expect(last).toMatchObject({
      status: 429,
      body: {
        message: { error: 'This endpoint has been requested too many times. Try again later.' },
      },
    });
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('gateway 4xx/5xx answers pass through; unreachable or slow gateway → 503 with a message, never a hang', async () => {
    const { user } = await s.f.seatedUser();
    s.stub.faults.add({ status: 422, body: { detail: [{ msg: 'bad' }] } });
    expect(await post(user.token, completionBody())).toMatchObject({
      status: 422,
      body: { detail: [{ msg: 'bad' }] },
    });
    s.stub.faults.clear();
    s.stub.faults.add({ status: 503 });
    expect(await post(user.token, completionBody())).toMatchObject({
      status: 503,
      body: { detail: 'Inference failed' },
    });
    s.stub.faults.clear();
    s.stub.faults.add({ hang: true });
    const started = Date.now();
    const slow = await post(user.token, completionBody());
    expect(slow.status).toBe(503);
    expect(slow.body.message).toContain('did not answer within');
    expect(Date.now() - started).toBeLessThan(5000);
    s.stub.faults.clear();
    s.stub.faults.add({ closeConnection: true });
    const closed = await post(user.token, completionBody());
    expect(closed.status).toBe(503);
    expect(closed.body.message).toContain('AI Gateway');
  });

  it('a stream that goes silent mid-answer ends cleanly after GATEWAY_TIMEOUT_MS and cancels upstream', async () => {
    const { user } = await s.f.seatedUser();
    s.stub.clearRequests();
    s.stub.faults.add({ ...PRIMARY, stallAfterChunks: 1 });
    const started = Date.now();
    const res = await fetch(`${s.app.url}/api/v4/code_suggestions/completions`, {
      method: 'POST',
      headers: { 'private-token': user.token, 'content-type': 'application/json' },
      body: JSON.stringify(completionBody({ stream: true })),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(Date.now() - started).toBeLessThan(5_000);
    await waitUntil(
      () => s.stub.requests[0].outcome === 'aborted',
      `upstream request aborted (outcome: ${s.stub.requests[0].outcome})`,
    );
  });
});
