// Our real rotation, seen by the gateway's twin: once the old key's publication window has ended
// (our clock jumps forward) and the twin's JWKS cache (the gateway's 24 h, scaled down to 1 s
// here) has expired, it refetches the JWKS and refuses tokens signed by the removed key, including
// one it verified and cached before.
import { decodeProtectedHeader } from 'jose';
import { startStubGateway, type StubGateway } from '../../../src/stub-gateway/stub-gateway';
import { JwtIssuerService } from '../../../src/tokens/jwt-issuer.service';
import { RETIRED_KEY_PUBLISHED_MS } from '../../../src/tokens/tokens.tokens';
import { ADMIN_TOKEN, sharedDatabase, startTokensApp, type TestApp } from './tokens-test-app';

jest.setTimeout(60_000);

const INSTANCE = 'instance-uuid-removal';
const CLAIMS = {
  sub: INSTANCE,
  scopes: ['complete_code'],
  realm: 'self-managed' as const,
  instanceId: INSTANCE,
};

describe('stub gateway after our key rotation and the end of the old key’s publication', () => {
  let clockMs = Date.now();
  let db: Awaited<ReturnType<typeof sharedDatabase>>;
  let app: TestApp;
  let gw: StubGateway;

  beforeAll(async () => {
    db = await sharedDatabase();
    app = await startTokensApp({
      connection: db.connection(),
      tuning: { now: () => clockMs, jwksCacheMaxAgeSec: 1, jwksMaxStalenessMs: 0 },
    });
    gw = await startStubGateway({
      trustedIssuers: () => [app.url],
      jwksRefetchIntervalMs: 50,
      jwksCacheTtlMs: 1000,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await app?.close();
    await db?.pg.close();
  });

  const complete = (token: string) =>
    fetch(`${gw.url}/v2/code/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-gitlab-authentication-type': 'oidc',
        'x-gitlab-realm': 'self-managed',
        'x-gitlab-instance-id': INSTANCE,
        'x-gitlab-global-user-id': 'global-user-1',
      },
      body: JSON.stringify({
        prompt_version: 1,
        current_file: { file_name: 'a.py', content_above_cursor: 'x', content_below_cursor: '' },
      }),
    });

  it('rejects with 401 a token signed by a key our JWKS no longer publishes', async () => {
    const old = await app.app.get(JwtIssuerService).issue(CLAIMS);
    const oldKid = decodeProtectedHeader(old.token).kid;
    expect((await complete(old.token)).status).toBe(200); // verified and cached by the stub

    const rotated = await fetch(`${app.url}/api/v4/admin/signing_keys/rotate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ immediate: true }), // signs at once: the test is about the old key
    });
    expect(rotated.status).toBe(201);
    const fresh = await app.app.get(JwtIssuerService).issue(CLAIMS);
    expect(decodeProtectedHeader(fresh.token).kid).not.toBe(oldKid);
    // (Refused until the twin's cache expires: rotation-vs-caching-gateway.spec.ts shows it.)
    await new Promise((r) => setTimeout(r, 1100)); // the twin's copy is past its cache time (1 s)
    expect((await complete(fresh.token)).status).toBe(200); // refetched
    expect((await complete(old.token)).status).toBe(200); // still published

    // Our side: past the old key's publication window. The old token itself has not expired on
    // the stub's (real) clock, so only the key's removal can make the stub refuse it.
    clockMs += RETIRED_KEY_PUBLISHED_MS + 1000;
    const jwks = (await (await fetch(`${app.url}/oauth/discovery/keys`)).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys.map((k) => k.kid)).not.toContain(oldKid);
    await new Promise((r) => setTimeout(r, 1100)); // the twin's copy is past its cache time (1 s)

    const refused = await complete(old.token);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: 'Forbidden by auth provider' });
  });
});
