import { startStubGateway, type StubGateway } from '../../../src/stub-gateway/stub-gateway';
import { json, v2Body, v3Body } from './fake-issuer';
import { waitUntil } from '../../support/wait';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

describe('stub gateway: fault injection', () => {
  let gw: StubGateway;

  beforeAll(async () => {
    gw = await startStubGateway({ verifyTokens: false });
  });
  afterAll(() => gw.close());
  beforeEach(() => {
    gw.faults.clear();
    gw.clearRequests();
  });

  const post = (path: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
  const gecko = () => post('/v2/code/completions', v2Body());
  const codestral = () =>
    post(
      '/v2/code/completions',
      v2Body({ model_provider: 'fireworks_ai', model_name: 'codestral-2501' }),
    );

  it('answers 503 with the gateway body for the targeted model only', async () => {
    gw.faults.add({ provider: 'fireworks_ai', model: 'codestral-2501', status: 503 });
    const failed = await codestral();
    expect(failed.status).toBe(503);
    expect(await json(failed)).toEqual({ detail: 'Inference failed' });
    expect((await gecko()).status).toBe(200);
    expect(gw.requests.map((r) => [r.status, r.outcome])).toEqual([
      [503, 'fault'],
      [200, 'answered'],
    ]);
  });

  it('matches on the model a v3/v4 request resolves to, and on the api', async () => {
    gw.faults.add({
      api: 'v4',
      model: 'claude-sonnet-4-5-20250929',
      status: 500,
      body: { detail: 'boom' },
    });
    expect((await post('/v3/code/completions', v3Body('code_editor_generation'))).status).toBe(200);
    expect((await post('/v4/code/suggestions', v3Body('code_editor_completion'))).status).toBe(200);
    const res = await post('/v4/code/suggestions', v3Body('code_editor_generation'));
    expect(res.status).toBe(500);
    expect(await json(res)).toEqual({ detail: 'boom' });
  });

  it('sends Retry-After with 429', async () => {
    gw.faults.add({ status: 429 });
    gw.faults.add({ status: 429, retryAfter: 7, provider: 'anthropic' });
    const res = await gecko();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    gw.faults.clear();
    gw.faults.add({ status: 429, retryAfter: 7 });
    expect((await gecko()).headers.get('retry-after')).toBe('7');
  });

  it('fails exactly the given fraction, deterministically', async () => {
    const id = gw.faults.add({ status: 503, fraction: 0.3 });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await gecko()).status);
    expect(statuses.filter((s) => s === 503)).toHaveLength(6);
    expect(statuses.slice(0, 10).filter((s) => s === 503)).toHaveLength(3);
    expect(statuses.slice(0, 10)).toEqual([200, 200, 200, 503, 200, 200, 503, 200, 200, 503]);
    expect(gw.faults.list().find((f) => f.id === id)).toMatchObject({ matched: 20, applied: 6 });
  });

  it('adds latency and then answers normally', async () => {
    gw.faults.add({ latencyMs: 150 });
    const start = Date.now();
    const res = await gecko();
    expect(res.status).toBe(200);
    expect(Date.now() - start).toBeGreaterThanOrEqual(145);
    expect((await json(res)).choices).toHaveLength(1);
  });

  it('hangs until the client gives up', async () => {
    gw.faults.add({ hang: true });
    const start = Date.now();
    await expect(
      post('/v2/code/completions', v2Body(), AbortSignal.timeout(200)),
    ).rejects.toThrow();
    expect(Date.now() - start).toBeLessThan(20_000); // the client's 200 ms, not a hang
    await waitUntil(() => gw.requests[0]?.outcome === 'aborted', 'the stub sees the abort');
    expect(gw.requests[0]).toMatchObject({ status: null, outcome: 'aborted' });
  });

  it('destroys the connection before headers', async () => {
    gw.faults.add({ closeConnection: true, latencyMs: 20 });
    await expect(gecko()).rejects.toThrow(/fetch failed/);
    expect(gw.requests[0].outcome).toBe('closed');
  });

  it('is driven over HTTP by the /stub/faults admin endpoints', async () => {
    const admin = (method: string, path = '', body?: unknown) =>
      fetch(`${gw.url}/stub/faults${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const created = await admin('PUT', '', { status: 503, model: 'codestral_2508_vertex' });
    expect(created.status).toBe(201);
    const { id } = await json(created);
    expect(typeof id).toBe('string');
    expect((await json(await admin('GET'))).map((f: { id: string }) => f.id)).toEqual([id]);
    expect((await gecko()).status).toBe(503);

    expect((await admin('DELETE', `/${id}`)).status).toBe(204);
    expect((await admin('DELETE', `/${id}`)).status).toBe(404);
    expect((await gecko()).status).toBe(200);

    await admin('PUT', '', { status: 503 });
    await admin('PUT', '', { status: 502 });
    expect((await admin('DELETE')).status).toBe(204);
    expect(gw.faults.size).toBe(0);

    const bad = await admin('PUT', '', { status: 'often', fraction: 3, typo: true });
    expect(bad.status).toBe(400);
    expect((await json(bad)).issues.length).toBeGreaterThanOrEqual(2);

    const health = await fetch(`${gw.url}/stub/health`);
    expect(await json(health)).toEqual({ status: 'ok' });
  });

  it('close() finishes promptly with a hung request open', async () => {
    const hung = await startStubGateway({ verifyTokens: false });
    hung.faults.add({ hang: true });
    const pending = fetch(`${hung.url}/v2/code/completions`, {
      method: 'POST',
      body: JSON.stringify(v2Body()),
    }).then(
      (r) => r.status,
      () => 'failed',
    );
    await waitUntil(() => hung.requests[0]?.outcome === 'hang', 'the stub holds the request');
    expect(hung.requests[0]?.outcome).toBe('hang');
    const start = Date.now();
    await hung.close();
    expect(Date.now() - start).toBeLessThan(10_000); // not waiting on the hung request
    expect(await pending).toBe('failed');
  });
});
