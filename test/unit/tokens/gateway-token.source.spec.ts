import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { DomainError } from '../../../src/common/errors/domain-error';
import { GatewayTokenSource } from '../../../src/tokens/gateway-token.source';
import { JwtIssuerService } from '../../../src/tokens/jwt-issuer.service';
import { MIN_REUSABLE_LIFE_SEC } from '../../../src/tokens/tokens.tokens';
import type { SigningKeyService } from '../../../src/tokens/signing-key.service';
import type { UserTokenRequest } from '../../../src/tokens/user-token-source.interface';
import { quietLogs, signingKeyService, TestClock } from './tokens-fakes';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const REQUEST: UserTokenRequest = {
  globalUserId: 'global-user-7',
  realm: 'saas',
  instanceId: 'instance-uuid-1',
  scopes: ['complete_code'],
  extra: { model_name: 'ignored by the gateway source' },
};

// beforeAll generates a real RSA-2048 key: a random time, seconds on a loaded machine.
jest.setTimeout(60_000);

describe('GatewayTokenSource', () => {
  const clock = new TestClock();
  let keys: SigningKeyService;
  let issuer: JwtIssuerService;
  let server: Server;
  let baseUrl: string;
  let handler: Handler;
  let calls: IncomingMessage[];

  beforeAll(async () => {
    quietLogs();
    const built = signingKeyService({ tuning: { now: clock.now } });
    await built.service.onModuleInit();
    keys = built.service;
    issuer = new JwtIssuerService(built.config, keys, { now: clock.now });
    server = createServer((req, res) => {
      calls.push(req);
      req.resume();
      req.on('end', () => handler(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    keys.onModuleDestroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    clock.ms = Date.now();
    calls = [];
    handler = answer(200, { token: 'user-token-1', expires_at: nowSec() + 3600 });
  });

  const nowSec = () => Math.floor(clock.ms / 1000);
  const source = (timeoutMs = 5000) =>
    new GatewayTokenSource(issuer, () => baseUrl, { now: clock.now, gatewayTimeoutMs: timeoutMs });

  function answer(status: number, body: unknown): Handler {
    return (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
  }

  it('asks POST /v1/code/user_access_token with our service JWT and the identity headers', async () => {
    const token = await source().tokenFor(REQUEST);
    expect(token).toEqual({ token: 'user-token-1', expiresAt: nowSec() + 3600 });
    expect(calls).toHaveLength(1);
    const [req] = calls;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v1/code/user_access_token');
    expect(req.headers).toMatchObject({
      'x-gitlab-authentication-type': 'oidc',
      'x-gitlab-global-user-id': 'global-user-7',
      'x-gitlab-realm': 'saas',
      'x-gitlab-instance-id': 'instance-uuid-1',
    });
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const { payload } = await jwtVerify(bearer, createLocalJWKSet(await keys.jwks()), {
      audience: 'gitlab-ai-gateway',
      issuer: 'http://switchboard.test',
    });
    expect(payload).toMatchObject({
      sub: 'instance-uuid-1',
      gitlab_realm: 'saas',
      gitlab_instance_id: 'instance-uuid-1',
      scopes: ['complete_code'],
    });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload).not.toHaveProperty('model_name');
  });

  it('caches per user while more than MIN_REUSABLE_LIFE_SEC (40 s margin + 5 min reuse + 1 min) is left', async () => {
    const s = source();
    await s.tokenFor(REQUEST);
    await s.tokenFor({ ...REQUEST, scopes: ['complete_code'] });
    expect(calls).toHaveLength(1);

    await s.tokenFor({ ...REQUEST, globalUserId: 'someone-else' });
    expect(calls).toHaveLength(2);

    clock.advance((3600 - MIN_REUSABLE_LIFE_SEC - 1) * 1000);
    await s.tokenFor(REQUEST);
    expect(calls).toHaveLength(2);
    clock.advance(1000);
    handler = answer(200, { token: 'user-token-2', expires_at: nowSec() + 3600 });
    expect((await s.tokenFor(REQUEST)).token).toBe('user-token-2');
    expect(calls).toHaveLength(3);
  });

  it('shares one call among concurrent requests for the same user', async () => {
    const s = source();
    const tokens = await Promise.all(Array.from({ length: 5 }, () => s.tokenFor(REQUEST)));
    expect(new Set(tokens.map((t) => t.token))).toEqual(new Set(['user-token-1']));
    expect(calls).toHaveLength(1);
  });

  it('does not cache a token that is already inside the refresh margin', async () => {
    handler = answer(200, { token: 'short', expires_at: nowSec() + 30 });
    const s = source();
    await s.tokenFor(REQUEST);
    await s.tokenFor(REQUEST);
    expect(calls).toHaveLength(2);
  });

  async function failure(s: GatewayTokenSource): Promise<DomainError> {
    const err = await s.tokenFor(REQUEST).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('service_unavailable');
    return err as DomainError;
  }

  it('maps a gateway error to service_unavailable with its detail', async () => {
    handler = answer(403, { detail: 'Unauthorized to create user access token' });
    expect((await failure(source())).message).toBe(
      'Could not obtain a token from the AI Gateway: HTTP 403 (Unauthorized to create user access token)',
    );
  });

  it('maps an answer without token/expires_at to service_unavailable', async () => {
    handler = answer(200, { access_token: 'x' });
    expect((await failure(source())).message).toMatch(/no valid token and expires_at/);
  });

  it('gives up after the timeout', async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    expect((await failure(source(150))).message).toBe(
      'Could not obtain a token from the AI Gateway: no answer within 150 ms',
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports an unreachable gateway', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const s = new GatewayTokenSource(issuer, () => `http://127.0.0.1:${port}`, { now: clock.now });
    expect((await failure(s)).message).toMatch(
      /^Could not obtain a token from the AI Gateway: ECONNREFUSED/,
    );
  });

  it('does not cache failures', async () => {
    handler = answer(503, { detail: 'Inference failed' });
    const s = source();
    await failure(s);
    handler = answer(200, { token: 'user-token-1', expires_at: nowSec() + 3600 });
    await expect(s.tokenFor(REQUEST)).resolves.toMatchObject({ token: 'user-token-1' });
  });
});
