import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { modelDefinitions } from '../../src/common/aigw/aigw-contract';
import { startStack, Stack } from '../support/stack';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

describe('direct_access against a gateway whose tokens expire soon or that fails', () => {
  let s: Stack;
  let server: Server;
  let answer: (res: ServerResponse) => void;
  const serviceTokens: string[] = [];
  let minted = 0;

  beforeAll(async () => {
    // A gateway as far as the service needs one: the pinned model definitions (read at boot)
    // and the token endpoint, whose answer each test sets.
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      if (req.method === 'GET' && req.url === '/v1/models/definitions') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(modelDefinitions()));
        return;
      }
      if (req.url !== '/v1/code/user_access_token') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ detail: 'Not Found' }));
        return;
      }
      serviceTokens.push((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      req.on('end', () => answer(res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    s = await startStack({
      env: { GATEWAY_TOKEN_SOURCE: 'gateway', AIGW_URL: url, JWT_AUDIENCE: 'custom-audience' },
    });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  const expiringIn = (sec: number) => (res: ServerResponse) => {
    minted += 1;
    const body = { token: `minted-${minted}`, expires_at: Math.floor(Date.now() / 1000) + sec };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const direct = (token: string) =>
    s.app.api.call('POST', '/api/v4/code_suggestions/direct_access', {
      token,
      body: { project_path: 'a/b' },
    });

  it('does not reuse a token the client would re-ask for within a minute (< 40 s + 60 s left)', async () => {
    const { user } = await s.f.seatedUser();
    answer = expiringIn(90); // usable by the client (> 40 s), too short to hand out again
    const first = await direct(user.token);
    const second = await direct(user.token);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.token).not.toBe(first.body.token);
    expect(second.body.expires_at).toBeGreaterThan(Date.now() / 1000 + 40);
  });

  it('reuses a gateway token with a long life left, reporting at most our lifetime from now', async () => {
    const { user } = await s.f.seatedUser();
    answer = expiringIn(3600);
    const first = await direct(user.token);
    const again = await direct(user.token);
    expect(again.body.token).toBe(first.body.token);
    // the gateway's token lives an hour; the client is told to re-ask within 110 s (the default)
    expect(again.body.expires_at).toBeLessThanOrEqual(Date.now() / 1000 + 110);
    expect(again.body.expires_at).toBeGreaterThan(Date.now() / 1000 + 100);
  });

  it('never hands out a token inside the client refresh margin: 503 with a message', async () => {
    const { user } = await s.f.seatedUser();
    answer = expiringIn(30);
    const r = await direct(user.token);
    expect(r.status).toBe(503);
    expect(JSON.stringify(r.body)).toMatch(/Token creation failed: the new token expires in \d+ s/);
  });

  it('token creation failing at the gateway → 503 with the reason', async () => {
    const { user } = await s.f.seatedUser();
    answer = (res) =>
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ detail: 'minting is broken' }));
    const r = await direct(user.token);
    expect(r.status).toBe(503);
    expect(JSON.stringify(r.body)).toContain(
      'Could not obtain a token from the AI Gateway: HTTP 500 (minting is broken)',
    );
  });

  it('JWT_AUDIENCE sets the aud of the tokens we sign', () => {
    expect(serviceTokens.length).toBeGreaterThan(0);
    expect(claimsOf(serviceTokens[0]).aud).toBe('custom-audience');
  });
});
