import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { DomainError } from '../../../src/common/errors/domain-error';
import { GatewayClient } from '../../../src/gateway/gateway.client';
import type { UpstreamRequest } from '../../../src/gateway/gateway.types';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

/**
 * The gateway client (undici) against a real HTTP server: what arrives
 * upstream, how answers come back, and every way a call can fail.
 */
describe('GatewayClient over a socket', () => {
  type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;
  let handler: Handler;
  let server: http.Server;
  let base: string;
  const client = new GatewayClient();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await client.onApplicationShutdown();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const call = (over: Partial<UpstreamRequest> = {}) =>
    client.send(base, {
      path: '/v2/code/completions',
      body: { prompt_version: 1, current_file: { file_name: 'a.py' } },
      headers: { 'X-Gitlab-Instance-Id': 'inst-1', Authorization: 'Bearer t' },
      stream: false,
      timeoutMs: 2_000,
      ...over,
    });
  const failure = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  };

  it('sends the JSON body, headers and length once, and parses the JSON answer', async () => {
    let seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string };
    handler = (req, body, res) => {
      seen = { method: req.method, url: req.url, headers: req.headers, body };
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
      res.end(JSON.stringify({ choices: [{ text: 'x' }] }));
    };
    const res = await call();
    expect(res).toMatchObject({
      kind: 'json',
      status: 200,
      body: { choices: [{ text: 'x' }] },
      headers: { 'x-upstream': 'yes', 'content-type': 'application/json' },
    });
    expect(seen!.method).toBe('POST');
    expect(seen!.url).toBe('/v2/code/completions');
    expect(JSON.parse(seen!.body)).toEqual({
      prompt_version: 1,
      current_file: { file_name: 'a.py' },
    });
    expect(seen!.headers).toMatchObject({
      'x-gitlab-instance-id': 'inst-1',
      authorization: 'Bearer t',
      'content-type': 'application/json',
      accept: 'application/json',
      'content-length': String(Buffer.byteLength(seen!.body)),
    });
  });

  it('keeps the path of a gateway behind a path prefix', async () => {
    let url: string | undefined;
    handler = (req, _body, res) => {
      url = req.url;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    };
    await client.send(`${base}/ai-gateway/`, {
      path: '/v2/code/completions',
      body: {},
      headers: {},
      stream: false,
      timeoutMs: 2_000,
    });
    expect(url).toBe('/ai-gateway/v2/code/completions');
  });

  it('undoes gzip and br content encodings', async () => {
    for (const [encoding, encode] of [
      ['gzip', zlib.gzipSync],
      ['br', zlib.brotliCompressSync],
    ] as const) {
      handler = (_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
        res.end(encode(Buffer.from(JSON.stringify({ encoded: encoding }))));
      };
      const res = await call();
      expect(res).toMatchObject({ kind: 'json', body: { encoded: encoding } });
      expect(res.headers['content-encoding']).toBeUndefined();
    }
  });

  it('passes error statuses and redirects through without following them', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(302, { location: `${base}/elsewhere` });
      res.end();
    };
    expect(await call()).toMatchObject({ kind: 'json', status: 302, body: {} });
    handler = (_req, _body, res) => {
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: 'bad prompt' }));
    };
    expect(await call()).toMatchObject({ status: 422, body: { detail: 'bad prompt' } });
  });

  it('hands a stream back as soon as the headers arrive', async () => {
    let finish!: () => void;
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: stream_start\n\n');
      finish = () => res.end('data: done\n\n');
    };
    const res = await call({ stream: true, path: '/v4/code/suggestions' });
    expect(res.kind).toBe('stream');
    if (res.kind !== 'stream') return;
    const first = await new Promise<string>((r) =>
      res.stream.once('data', (c: Buffer) => r(c.toString())),
    );
    expect(first).toBe('event: stream_start\n\n');
    const rest: string[] = [];
    res.stream.on('data', (c: Buffer) => rest.push(c.toString()));
    finish();
    await new Promise((r) => res.stream.once('end', r));
    expect(rest.join('')).toBe('data: done\n\n');
  });

  it('maps a refused connection to a clear unreachable error', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await failure(
      client.send(`http://127.0.0.1:${port}`, {
        path: '/v2/code/completions',
        body: {},
        headers: {},
        stream: false,
        timeoutMs: 2_000,
      }),
    );
    expect(err.code).toBe('upstream_unavailable');
    expect(err.message).toBe('AI Gateway is unreachable (ECONNREFUSED)');
  });

  it('gives up at the deadline when the gateway never answers', async () => {
    handler = () => undefined;
    const started = Date.now();
    const err = await failure(call({ timeoutMs: 300 }));
    expect(err.code).toBe('upstream_unavailable');
    expect(err.message).toMatch(/did not answer within/);
    expect(Date.now() - started).toBeLessThan(10_000); // the handler never answers
  });

  it('reports a connection closed halfway through the answer', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"choices":');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const err = await failure(call());
    expect(err.code).toBe('upstream_unavailable');
    expect(err.message).toMatch(/closed the connection/);
  });

  it('tells a client cancellation apart from a gateway failure', async () => {
    handler = () => undefined;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await failure(call({ signal: ac.signal }));
    expect(err.code).toBe('client_closed_request');
  });

  it('rejects a non-HTTP gateway URL clearly', async () => {
    const err = await failure(
      client.send('ftp://127.0.0.1:1', {
        path: '/x',
        body: {},
        headers: {},
        stream: false,
        timeoutMs: 1_000,
      }),
    );
    expect(err.code).toBe('upstream_unavailable');
  });
});
