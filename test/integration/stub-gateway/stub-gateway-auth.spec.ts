import { generateKeyPair, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import {
  AUTH_ERRORS,
  SIGNATURE_FAILED,
  discoveryUrl,
  startStubGateway,
  type StubGateway,
} from '../../../src/stub-gateway/stub-gateway';
import {
  GLOBAL_USER_ID,
  INSTANCE_ID,
  gatewayHeaders,
  startFakeIssuer,
  v2Body,
  v3Body,
  type FakeIssuer,
  json,
  without,
} from './fake-issuer';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

describe('stub gateway: authentication and authorization', () => {
  let issuer: FakeIssuer;
  let stranger: FakeIssuer;
  let gw: StubGateway;

  beforeAll(async () => {
    [issuer, stranger] = await Promise.all([startFakeIssuer(), startFakeIssuer()]);
    gw = await startStubGateway({
      trustedIssuers: () => [`${issuer.url}/`],
      jwksRefetchIntervalMs: 300,
    });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([issuer.close(), stranger.close()]);
  });

  const call = (path: string, headers: Record<string, string>, body: unknown = v2Body()) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

  async function expectError(res: Response, status: number, body: unknown): Promise<void> {
    expect({ status: res.status, body: await json(res) }).toEqual({ status, body });
  }

  it('accepts a valid token, fetching the JWKS once and caching it', async () => {
    const before = issuer.jwksHits;
    for (let i = 0; i < 3; i++) {
      const res = await call('/v2/code/completions', gatewayHeaders(await issuer.sign()));
      expect(res.status).toBe(200);
    }
    expect(issuer.jwksHits - before).toBeLessThanOrEqual(1);
    expect(issuer.jwksHits).toBe(1);
  });

  it('rejects requests without a usable Authorization header or auth type', async () => {
    const token = await issuer.sign();
    const headers = gatewayHeaders(token);
    const noAuth = without(headers, 'authorization');
    await expectError(await call('/v2/code/completions', noAuth), 401, {
      error: 'No authorization header presented',
    });
    await expectError(
      await call('/v2/code/completions', { ...headers, authorization: `Token ${token}` }),
      401,
      {
        error: 'Invalid authorization header',
      },
    );
    const noType = without(headers, 'x-gitlab-authentication-type');
    await expectError(await call('/v2/code/completions', noType), 401, {
      error: 'Invalid authentication token type - only OIDC is supported',
    });
  });

  const forbidden = { error: 'Forbidden by auth provider' };

  it('rejects a tampered signature', async () => {
    const token = await issuer.sign();
    const [h, p, s] = token.split('.');
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    await expectError(
      await call('/v2/code/completions', gatewayHeaders(`${h}.${p}.${flipped}`)),
      401,
      forbidden,
    );
    // A valid signature over a modified payload is equally rejected.
    const payload = Buffer.from(
      JSON.stringify({ ...decodeJwt(token), scopes: ['everything'] }),
    ).toString('base64url');
    await expectError(
      await call('/v2/code/completions', gatewayHeaders(`${h}.${payload}.${s}`)),
      401,
      forbidden,
    );
  });

  it('rejects a wrong audience, an expired token and a not-yet-valid token', async () => {
    for (const token of [
      await issuer.sign({ audience: 'gitlab-duo-workflow-service' }),
      await issuer.sign({ expiresIn: -60 }),
      await issuer.sign({ notBefore: 120 }),
      await issuer.sign({ claims: { exp: undefined } }),
    ]) {
      await expectError(await call('/v2/code/completions', gatewayHeaders(token)), 401, forbidden);
    }
  });

  it('rejects tokens from an untrusted issuer, with no issuer, or not RS256', async () => {
    await expectError(
      await call('/v2/code/completions', gatewayHeaders(await stranger.sign())),
      401,
      forbidden,
    );
    // Claims to come from the trusted issuer but is signed by another key.
    const forged = await stranger.sign({ issuer: issuer.url, kid: issuer.currentKid() });
    await expectError(await call('/v2/code/completions', gatewayHeaders(forged)), 401, forbidden);
    const hs = await new SignJWT({ iss: issuer.url, aud: 'gitlab-ai-gateway', sub: INSTANCE_ID })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a-shared-secret-of-sufficient-length!!'));
    await expectError(await call('/v2/code/completions', gatewayHeaders(hs)), 401, forbidden);
    expect(stranger.jwksHits).toBe(0);
  });

  it('rejects claims that do not match the identity headers', async () => {
    const token = await issuer.sign();
    await expectError(
      await call(
        '/v2/code/completions',
        gatewayHeaders(token, { 'x-gitlab-instance-id': 'other-instance' }),
      ),
      401,
      { error: "Header mismatch 'X-Gitlab-Instance-Id'" },
    );
    await expectError(
      await call('/v2/code/completions', gatewayHeaders(token, { 'x-gitlab-realm': 'saas' })),
      401,
      { error: "Header mismatch 'X-Gitlab-Realm'" },
    );
    // GitLab-issued tokens: `sub` (the instance UUID) is compared with X-Gitlab-Instance-Id.
    const subOnly = await issuer.sign({
      claims: { gitlab_instance_id: undefined, sub: 'someone-else' },
    });
    await expectError(await call('/v2/code/completions', gatewayHeaders(subOnly)), 401, {
      error: "Header mismatch 'X-Gitlab-Instance-Id'",
    });
  });

  it('requires complete_code for completions and generate_code for generations', async () => {
    const generateOnly = await issuer.sign({ claims: { scopes: ['generate_code'] } });
    const completeOnly = await issuer.sign({ claims: { scopes: ['complete_code'] } });
    await expectError(await call('/v2/code/completions', gatewayHeaders(generateOnly)), 403, {
      detail: 'Unauthorized to access code completions',
    });
    await expectError(
      await call(
        '/v3/code/completions',
        gatewayHeaders(generateOnly),
        v3Body('code_editor_completion'),
      ),
      403,
      { detail: 'Unauthorized to access code suggestions' },
    );
    await expectError(
      await call(
        '/v4/code/suggestions',
        gatewayHeaders(completeOnly),
        v3Body('code_editor_generation'),
      ),
      403,
      { detail: 'Unauthorized to access code generations' },
    );
    const ok = await call(
      '/v4/code/suggestions',
      gatewayHeaders(completeOnly),
      v3Body('code_editor_completion'),
    );
    expect(ok.status).toBe(200);
  });

  // The gateway caches an issuer's JWKS for 24 h and does not refetch for an unknown kid
  // (ai_gateway/cloud_connector/providers.py before it moved to gitlab_cloud_connector).
  it('keeps the JWKS 24 h: a key published after the fetch fails until the cache is cleared', async () => {
    expect((await call('/v2/code/completions', gatewayHeaders(await issuer.sign()))).status).toBe(
      200,
    );
    const hits = issuer.jwksHits;
    await issuer.rotate();
    const fresh = await issuer.sign();
    const burst = await Promise.all(
      [1, 2, 3].map(() => call('/v2/code/completions', gatewayHeaders(fresh))),
    );
    for (const res of burst) await expectError(res, 401, { error: AUTH_ERRORS.forbidden });
    expect(gw.requests.at(-1)?.authError).toBe(SIGNATURE_FAILED);
    expect(issuer.jwksHits).toBe(hits);

    // A gateway restart (here the admin knob) fetches again and knows the new key.
    expect((await fetch(`${gw.url}/stub/jwks/clear`, { method: 'POST' })).status).toBe(204);
    expect((await call('/v2/code/completions', gatewayHeaders(fresh))).status).toBe(200);
    expect(issuer.jwksHits).toBe(hits + 1);
  });

  it('refetches once the cache time has passed', async () => {
    const own = await startFakeIssuer();
    const short = await startStubGateway({ trustedIssuers: () => [own.url], jwksCacheTtlMs: 0 });
    try {
      const post = async () =>
        (
          await fetch(`${short.url}/v2/code/completions`, {
            method: 'POST',
            headers: gatewayHeaders(await own.sign()),
            body: JSON.stringify(v2Body()),
          })
        ).status;
      expect(await post()).toBe(200);
      await own.rotate();
      expect(await post()).toBe(200);
      expect(own.jwksHits).toBe(2);
    } finally {
      await short.close();
      await own.close();
    }
  });

  it('looks the discovery document up at the host root of an issuer URL with a path (urljoin)', async () => {
    const own = await startFakeIssuer();
    const withPath = `${own.url}/gitlab`;
    const gw2 = await startStubGateway({ trustedIssuers: () => [withPath] });
    try {
      const token = await own.sign({ issuer: withPath });
      const res = await fetch(`${gw2.url}/v2/code/completions`, {
        method: 'POST',
        headers: gatewayHeaders(token),
        body: JSON.stringify(v2Body()),
      });
      expect(res.status).toBe(200);
      expect(own.discoveryHits).toBe(1);
      expect(discoveryUrl(withPath)).toBe(`${own.url}/.well-known/openid-configuration`);
    } finally {
      await gw2.close();
      await own.close();
    }
  });

  describe('user_access_token', () => {
    const tokenFor = async (headers: Record<string, string>) => {
      const res = await call('/v1/code/user_access_token', headers, {});
      return { status: res.status, body: await json(res) };
    };

    it('issues a token the stub accepts on /v2 but not on /v3 or for another token', async () => {
      const { status, body } = await tokenFor(gatewayHeaders(await issuer.sign()));
      expect(status).toBe(200);
      expect(Math.abs(body.expires_at - (Date.now() / 1000 + 3600))).toBeLessThan(5);
      const claims = decodeJwt(body.token);
      expect(claims).toMatchObject({
        iss: 'gitlab-ai-gateway',
        aud: 'gitlab-ai-gateway',
        sub: GLOBAL_USER_ID,
        gitlab_realm: 'self-managed',
        gitlab_instance_id: INSTANCE_ID,
        scopes: ['complete_code'],
      });
      expect(claims.exp).toBe(body.expires_at);
      expect(typeof claims.jti).toBe('string');

      const res = await call('/v2/code/completions', gatewayHeaders(body.token));
      expect(res.status).toBe(200);
      await expectError(
        await call(
          '/v2/code/completions',
          gatewayHeaders(body.token, { 'x-gitlab-global-user-id': 'other-user' }),
        ),
        401,
        { error: "Header mismatch 'X-Gitlab-Global-User-Id'" },
      );
      await expectError(
        await call(
          '/v3/code/completions',
          gatewayHeaders(body.token),
          v3Body('code_editor_completion'),
        ),
        403,
        { detail: 'Unauthorized to access code suggestions' },
      );
      expect(await tokenFor(gatewayHeaders(body.token))).toEqual({
        status: 403,
        body: { detail: 'Unauthorized to create user access token' },
      });
    });

    it('publishes its signing key through openid-configuration', async () => {
      const { body } = await tokenFor(gatewayHeaders(await issuer.sign()));
      const discovery = await json(await fetch(`${gw.url}/.well-known/openid-configuration`));
      expect(discovery.issuer).toBe(gw.url);
      const jwks = await json(await fetch(discovery.jwks_uri));
      expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([
        decodeProtectedHeader(body.token).kid,
      ]);
    });

    it('requires the identity headers and a complete_code scope', async () => {
      const headers = gatewayHeaders(await issuer.sign());
      const noUser = without(headers, 'x-gitlab-global-user-id');
      expect(await tokenFor(noUser)).toEqual({
        status: 400,
        body: { detail: 'Missing X-Gitlab-Global-User-Id header' },
      });
      const generateOnly = gatewayHeaders(
        await issuer.sign({ claims: { scopes: ['generate_code'] } }),
      );
      expect((await tokenFor(generateOnly)).status).toBe(403);
      expect((await tokenFor({ 'content-type': 'application/json' })).status).toBe(401);
    });

    it('does not accept a token signed by another key claiming the gateway issuer', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT({ scopes: ['complete_code'] })
        .setProtectedHeader({ alg: 'RS256', kid: 'x' })
        .setIssuer('gitlab-ai-gateway')
        .setAudience('gitlab-ai-gateway')
        .setSubject(GLOBAL_USER_ID)
        .setExpirationTime('1h')
        .sign(privateKey);
      await expectError(await call('/v2/code/completions', gatewayHeaders(forged)), 401, forbidden);
    });
  });

  it('skips all checks when verifyTokens is false', async () => {
    const open = await startStubGateway({ verifyTokens: false });
    try {
      const res = await fetch(`${open.url}/v4/code/suggestions`, {
        method: 'POST',
        body: JSON.stringify(v3Body('code_editor_generation')),
      });
      expect(res.status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
