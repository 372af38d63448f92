// GATEWAY_TOKEN_SOURCE=gateway against the stub AI Gateway: the stub verifies our service JWT
// through our discovery endpoints (over HTTP) and mints the user's token, as GitLab.com's AIGW.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DomainError } from '../../../src/common/errors/domain-error';
import { startStubGateway, type StubGateway } from '../../../src/stub-gateway/stub-gateway';
import { USER_TOKEN_SOURCE } from '../../../src/tokens/tokens.tokens';
import type {
  UserTokenRequest,
  UserTokenSource,
} from '../../../src/tokens/user-token-source.interface';
import { sharedDatabase, startTokensApp, type TestApp } from './tokens-test-app';

jest.setTimeout(120_000);

const REQUEST: UserTokenRequest = {
  globalUserId: 'global-user-42',
  realm: 'saas',
  instanceId: 'instance-uuid-1',
  scopes: ['complete_code', 'generate_code'],
};

describe('user tokens from the AI Gateway (GATEWAY_TOKEN_SOURCE=gateway)', () => {
  let db: Awaited<ReturnType<typeof sharedDatabase>>;
  let app: TestApp;
  let stub: StubGateway;
  let trusted = true;
  let source: UserTokenSource;

  beforeAll(async () => {
    db = await sharedDatabase();
    stub = await startStubGateway({ trustedIssuers: () => (trusted && app ? [app.url] : []) });
    app = await startTokensApp({
      connection: db.connection(),
      env: { GATEWAY_TOKEN_SOURCE: 'gateway' },
      gatewayBaseUrl: () => stub.url,
    });
    source = app.app.get<UserTokenSource>(USER_TOKEN_SOURCE);
  });
  afterAll(async () => {
    await app?.close();
    await stub?.close();
    await db?.pg.close();
  });

  it('is the gateway source, and the stub accepts our service token and mints a user token', async () => {
    expect(source.kind).toBe('gateway');
    const { token, expiresAt } = await source.tokenFor(REQUEST);
    const { payload } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(`${stub.url}/oauth/discovery/keys`)),
      {
        issuer: 'gitlab-ai-gateway',
        audience: 'gitlab-ai-gateway',
      },
    );
    expect(payload).toMatchObject({
      sub: 'global-user-42',
      gitlab_realm: 'saas',
      gitlab_instance_id: 'instance-uuid-1',
      scopes: expect.arrayContaining(['complete_code']),
    });
    expect(payload.exp).toBe(expiresAt);
    const calls = stub.requests.filter((r) => r.path === '/v1/code/user_access_token');
    expect(calls).toHaveLength(1);
  });

  it('serves the same user from its cache', async () => {
    stub.clearRequests();
    await source.tokenFor(REQUEST);
    expect(stub.requests.filter((r) => r.path === '/v1/code/user_access_token')).toHaveLength(0);
  });

  it('maps a refusal by the gateway to service_unavailable', async () => {
    trusted = false;
    try {
      const err = await source
        .tokenFor({ ...REQUEST, globalUserId: 'someone-new' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({
        code: 'service_unavailable',
        message:
          'Could not obtain a token from the AI Gateway: HTTP 401 (Forbidden by auth provider)',
      });
    } finally {
      trusted = true;
    }
  });
});
