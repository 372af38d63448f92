// Issue #21, item 5: a key rotation must never break a gateway that caches our JWKS (the real one
// keeps it 24 h and does not refetch for an unknown kid; so does the twin). Two twins:
// - one whose cache time is scaled down to 2 s, with GATEWAY_JWKS_CACHE_SECONDS=2 on our side, so
//   a default rotation runs to its end within the test: every token before, during and after the
//   switch is accepted;
// - one with the gateway's real 24 h: an immediate rotation's tokens are refused (the failure a
//   default rotation avoids), and our answer named that gateway.
import { decodeProtectedHeader } from 'jose';
import { startStubGateway, type StubGateway } from '../../../src/stub-gateway/stub-gateway';
import { JwtIssuerService } from '../../../src/tokens/jwt-issuer.service';
import { SigningKeyService } from '../../../src/tokens/signing-key.service';
import { ADMIN_TOKEN, sharedDatabase, startTokensApp, type TestApp } from './tokens-test-app';

jest.setTimeout(60_000);

const INSTANCE = 'instance-uuid-rotation';
const CLAIMS = {
  sub: INSTANCE,
  scopes: ['complete_code'],
  realm: 'self-managed' as const,
  instanceId: INSTANCE,
};
const SCALED_CACHE_SEC = 2;

describe('key rotation against gateways that cache our JWKS', () => {
  let db: Awaited<ReturnType<typeof sharedDatabase>>;
  let app: TestApp;
  let scaled: StubGateway;
  let day: StubGateway;

  beforeAll(async () => {
    db = await sharedDatabase();
    scaled = await startStubGateway({
      trustedIssuers: () => [app.url],
      jwksCacheTtlMs: SCALED_CACHE_SEC * 1000,
    });
    day = await startStubGateway({ trustedIssuers: () => [app.url] }); // 24 h, the gateway's
    app = await startTokensApp({
      connection: db.connection(),
      env: { GATEWAY_JWKS_CACHE_SECONDS: String(SCALED_CACHE_SEC) },
      // Our own publication delay: the JWKS answer is never stale and cacheable for 1 s.
      tuning: { jwksCacheMaxAgeSec: 1, jwksMaxStalenessMs: 0 },
      gatewayBaseUrl: () => day.url,
    });
  });
  afterAll(async () => {
    await scaled?.close();
    await day?.close();
    await app?.close();
    await db?.pg.close();
  });

  const issue = async () => (await app.app.get(JwtIssuerService).issue(CLAIMS)).token;
  const kid = (token: string) => decodeProtectedHeader(token).kid;
  const complete = async (gw: StubGateway, token: string) => {
    const res = await fetch(`${gw.url}/v2/code/completions`, {
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
        model_provider: 'vertex-ai',
        model_name: 'codestral-2501',
      }),
    });
    return { status: res.status, body: await res.json() };
  };
  const rotate = async (body: unknown) => {
    const res = await fetch(`${app.url}/api/v4/admin/signing_keys/rotate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as Record<string, any>;
  };

  it('a default rotation: every token is accepted before, during and after the switch', async () => {
    const before = await issue();
    expect((await complete(scaled, before)).status).toBe(200); // the twin caches our JWKS now

    const started = Date.now();
    const rotated = await rotate({});
    // The cache time plus our publication delay (max-age 1 s), and no warning.
    expect(Date.parse(rotated.activates_at) - started).toBeGreaterThanOrEqual(
      (SCALED_CACHE_SEC + 1) * 1000 - 50,
    );
    expect(rotated).toMatchObject({ immediate: false, gateways_may_refuse: [], warning: null });

    // Until the new key signs (the event we wait for), and once after, every token verifies.
    const keys = app.app.get(SigningKeyService);
    const seen = new Set<string>();
    for (;;) {
      const token = await issue();
      const answer = await complete(scaled, token);
      expect({ kid: kid(token), status: answer.status }).toEqual({ kid: kid(token), status: 200 });
      seen.add(kid(token)!);
      if (kid(token) === rotated.kid) break;
      // Wait for the staged key's activation on our side (a real clock: no jump can skip it).
      while (keys.signingKey().kid !== rotated.kid) await new Promise((r) => setTimeout(r, 100));
    }
    expect([...seen]).toEqual([kid(before), rotated.kid]);
    // The previous key's tokens stay valid: it is still published.
    expect((await complete(scaled, before)).status).toBe(200);
  });

  it('an immediate rotation: the 24 h gateway refuses the new key’s tokens, as the answer said', async () => {
    const current = await issue();
    expect((await complete(day, current)).status).toBe(200); // cached for 24 h from now

    const rotated = await rotate({ immediate: true });
    expect(rotated).toMatchObject({ immediate: true, gateways_may_refuse: [day.url] });
    expect(rotated.warning).toContain(`the gateway at ${day.url}`);
    const fresh = await issue();
    expect(kid(fresh)).toBe(rotated.kid);

    const refused = await complete(day, fresh);
    expect(refused.status).toBe(401);
    const log = day.requests.at(-1);
    expect(log?.authError).toMatch(/Signature verification failed/);
    // Tokens of the previous key are still accepted there (and the key stays published).
    expect((await complete(day, current)).status).toBe(200);
  });
});
