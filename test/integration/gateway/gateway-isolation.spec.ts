import { setMaxListeners } from 'node:events';
import type { Readable } from 'node:stream';
import { DomainError } from '../../../src/common/errors/domain-error';
import { GatewayClient } from '../../../src/gateway/gateway.client';
import type { UpstreamRequest } from '../../../src/gateway/gateway.types';
import { startStubGateway, type StubGateway } from '../../../src/stub-gateway/stub-gateway';
import { v2Body } from '../stub-gateway/fake-issuer';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

/**
 * The gateway client against the stub gateway: a model that hangs must not hold up calls to
 * other models, and a stream that goes silent after its headers must end instead of hanging.
 */
describe('GatewayClient: isolation between models and stalled streams', () => {
  let gw: StubGateway;
  const clients: GatewayClient[] = [];
  const newClient = (opts?: ConstructorParameters<typeof GatewayClient>[0]) => {
    const c = new GatewayClient(opts);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    gw = await startStubGateway({ verifyTokens: false, streamChunkDelayMs: 1 });
  });
  afterAll(async () => {
    for (const c of clients) await c.onApplicationShutdown();
    await gw.close();
  });
  beforeEach(() => {
    gw.faults.clear();
    gw.clearRequests();
  });

  const request = (
    model: string,
    over: Partial<UpstreamRequest> = {},
    body: Record<string, unknown> = {},
  ): UpstreamRequest => ({
    path: '/v2/code/completions',
    body: v2Body({ model_provider: 'vertex-ai', model_name: model, ...body }),
    headers: {},
    stream: false,
    timeoutMs: 30_000,
    ...over,
  });
  const readAll = (s: Readable) =>
    new Promise<{ text: string; how: 'end' | 'error' }>((resolve) => {
      const parts: string[] = [];
      s.on('data', (c: Buffer) => parts.push(c.toString()));
      s.once('end', () => resolve({ text: parts.join(''), how: 'end' }));
      s.once('error', () => resolve({ text: parts.join(''), how: 'error' }));
    });

  it('more hung calls to one model than its cap: another model still answers at once, the extra ones get a fast 503', async () => {
    const client = newClient();
    gw.faults.add({ model: 'codestral-2501', hang: true });
    const abort = new AbortController();
    setMaxListeners(300, abort.signal);
    const hung = Array.from({ length: 275 }, () =>
      client.send(gw.url, request('codestral-2501', { signal: abort.signal })).catch((e) => e),
    );
    try {
      // Wait until the stub holds the first 256 (the rest were refused without a socket).
      const until = Date.now() + 30_000;
      while (gw.requests.filter((r) => r.outcome === 'hang').length < 256 && Date.now() < until)
        await new Promise((r) => setTimeout(r, 20));
      expect(client.inFlight('vertex-ai/codestral-2501')).toBe(256);

      const started = Date.now();
      const other = await client.send(gw.url, request('codestral-2508'));
      expect(other.status).toBe(200);
      // the 256 hang for good: queued behind them it would never be answered
      expect(Date.now() - started).toBeLessThan(10_000);

      const refused = await Promise.all(hung.slice(256));
      for (const err of refused) {
        expect(err).toBeInstanceOf(DomainError);
        expect((err as DomainError).code).toBe('upstream_unavailable');
        expect((err as DomainError).message).toMatch(/too many requests in flight/);
      }
    } finally {
      abort.abort();
      await Promise.all(hung);
    }
    expect(client.inFlight('vertex-ai/codestral-2501')).toBe(0);
  });

  it('a stream that stalls after its headers ends cleanly at the idle limit and cancels upstream', async () => {
    const client = newClient({ streamIdleTimeoutMs: 300 });
    gw.faults.add({ model: 'codestral-2501', stallAfterChunks: 0 });
    const started = Date.now();
    const res = await client.send(
      gw.url,
      request('codestral-2501', { stream: true }, { stream: true }),
    );
    expect(res.kind).toBe('stream');
    if (res.kind !== 'stream') return;
    const read = await readAll(res.stream);
    expect(read).toEqual({ text: '', how: 'end' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(10_000); // the stub never sends more
    await waitFor(() => gw.requests[0]?.outcome === 'aborted');
    expect(client.inFlight('vertex-ai/codestral-2501')).toBe(0);
  });

  it('a stream that stalls mid-answer keeps what arrived; a healthy slow-but-steady stream is not cut', async () => {
    const client = newClient({ streamIdleTimeoutMs: 300 });
    gw.faults.add({ model: 'codestral-2501', stallAfterChunks: 1 });
    const res = await client.send(
      gw.url,
      request('codestral-2501', { stream: true }, { stream: true }),
    );
    if (res.kind !== 'stream') throw new Error('expected a stream');
    const read = await readAll(res.stream);
    expect(read.how).toBe('end');
    expect(read.text.length).toBeGreaterThan(0);
    await waitFor(() => gw.requests[0]?.outcome === 'aborted');

    const healthy = await client.send(
      gw.url,
      request('codestral-2508', { stream: true }, { stream: true }),
    );
    if (healthy.kind !== 'stream') throw new Error('expected a stream');
    expect((await readAll(healthy.stream)).how).toBe('end');
    await waitFor(() => gw.requests[1]?.outcome === 'answered');
  });
});

async function waitFor(cond: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
