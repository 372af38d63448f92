import { PRIMARY_MODEL } from '../support/failover-helpers';
import { completionBody, startStack, Stack } from '../support/stack';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

const kidOf = (token: string): string =>
  JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid;
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

/** The IDE's own call to the gateway with a direct-access answer. */
function callGateway(r: { body: any }): Promise<Response> {
  return fetch(`${r.body.base_url}/v2/completions`, {
    method: 'POST',
    headers: {
      ...r.body.headers,
      authorization: `Bearer ${r.body.token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      prompt_version: 1,
      current_file: { file_name: 'a.py', content_above_cursor: 'x', content_below_cursor: '' },
      ...r.body.model_details,
    }),
  });
}

describe('POST /api/v4/code_suggestions/direct_access', () => {
  let s: Stack;
  const direct = (token: string, body: unknown = { project_path: 'x/y' }) =>
    s.app.api.call('POST', '/api/v4/code_suggestions/direct_access', { token, body });

  beforeAll(async () => {
    s = await startStack();
  }, 60_000);
  afterAll(() => s?.close());

  it('201 with base_url, token, expires_at, headers and model_details; the gateway accepts the token', async () => {
    const { user, group } = await s.f.seatedUser();
    const r = await direct(user.token, { projectPath: 'a/b' });
    expect(r.status).toBe(201);
    expect(r.body.base_url).toBe(s.stub.url);
    // DIRECT_ACCESS_TOKEN_LIFETIME_SEC's default: the IDE re-asks 40 s before, so within 110 s
    expect(r.body.expires_at).toBeGreaterThan(Date.now() / 1000 + 100);
    expect(r.body.expires_at).toBeLessThanOrEqual(Date.now() / 1000 + 111);
    expect(r.body.model_details).toEqual({
      model_provider: PRIMARY_MODEL.provider,
      model_name: PRIMARY_MODEL.name,
    });
    expect(r.body.headers).toMatchObject({
      'X-Gitlab-Authentication-Type': 'oidc',
      'X-Gitlab-Realm': 'saas',
      'X-Gitlab-Feature-Enabled-By-Namespace-Ids': String(group.id),
    });
    const claims = JSON.parse(Buffer.from(r.body.token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({
      aud: 'gitlab-ai-gateway',
      iss: s.app.running.config.http.publicUrl,
      scopes: ['complete_code'],
      model_name: PRIMARY_MODEL.name,
    });
    // the token itself is as short as its expires_at: after a 403 the client's old one runs out
    expect(claims.exp).toBe(r.body.expires_at);
    expect(claims.exp - claims.iat).toBe(110);

    // the IDE's own call, as the language server makes it
    expect((await callGateway(r)).status).toBe(200);
    // a tampered token is refused by the gateway
    const tampered = r.body.token.slice(0, -4) + (r.body.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const bad = await callGateway({ body: { ...r.body, token: tampered } });
    expect(bad.status).toBe(401);
  });

  it('403 Direct connections are disabled: by instance setting, failover flag, seat group setting', async () => {
    const { user, group } = await s.f.seatedUser();
    const forbidden = {
      status: 403,
      body: { message: '403 Forbidden - Direct connections are disabled' },
    };
    const admin = { token: s.app.rootToken };

    await s.app.api.call('PUT', '/api/v4/application/settings', {
      ...admin,
      body: { disabled_direct_code_suggestions: true },
    });
    expect(await direct(user.token)).toMatchObject(forbidden);
    await s.app.api.call('PUT', '/api/v4/application/settings', {
      ...admin,
      body: { disabled_direct_code_suggestions: false },
    });
    expect((await direct(user.token)).status).toBe(201);

    await s.f.setFlag('incident_fail_over_completion_provider', {
      value: true,
      user: user.username,
    });
    expect(await direct(user.token)).toMatchObject(forbidden);
    await s.app.api.call(
      'DELETE',
      '/api/v4/features/incident_fail_over_completion_provider',
      admin,
    );
    expect((await direct(user.token)).status).toBe(201);

    await s.app.api.call('PUT', `/api/v4/groups/${group.id}`, {
      ...admin,
      body: { direct_code_suggestions_enabled: false },
    });
    expect(await direct(user.token)).toMatchObject(forbidden);
  });

  it('no seat → 401; revoked token cannot get a new direct-access token', async () => {
    const noSeat = await s.f.user();
    expect((await direct(noSeat.token)).status).toBe(401);
    const { user } = await s.f.seatedUser();
    expect((await direct(user.token)).status).toBe(201);
    await s.app.api.call('DELETE', `/api/v4/personal_access_tokens/${user.tokenId}`, {
      token: s.app.rootToken,
    });
    expect((await direct(user.token)).status).toBe(401);
  });

  it('the 50/min rate limit holds under concurrency', async () => {
    const { user } = await s.f.seatedUser();
    const results = await Promise.all(Array.from({ length: 60 }, () => direct(user.token)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(50);
    expect(results.filter((r) => r.status === 429)).toHaveLength(10);
  });

  it('enabled: 200 for a visible project, 404 unknown or invisible, 403 when Duo features are off', async () => {
    const { user, project } = await s.f.seatedUser();
    const enabled = (path: string) =>
      s.app.api.call('POST', '/api/v4/code_suggestions/enabled', {
        token: user.token,
        body: { project_path: path },
      });
    expect((await enabled(project.path_with_namespace)).status).toBe(200);
    expect((await enabled('nope/nothing')).status).toBe(404);
    const other = await s.f.seatedUser();
    expect((await enabled(other.project.path_with_namespace)).status).toBe(404);
    await s.app.api.call('PUT', `/api/v4/projects/${project.id}`, {
      token: s.app.rootToken,
      body: { duo_features_enabled: false },
    });
    expect((await enabled(project.path_with_namespace)).status).toBe(403);
  });

  it('connection_details: instance, realm, user and seat namespaces', async () => {
    const { user, group } = await s.f.seatedUser();
    const r = await s.app.api.call('POST', '/api/v4/code_suggestions/connection_details', {
      token: user.token,
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      realm: 'saas',
      instance_version: '18.6.0',
      feature_enablement_type: 'duo_pro',
      saas_duo_pro_namespace_ids: [group.id],
    });
    expect(r.body.instance_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carries the flags that decided, on or off, next to feature_flags; the gateway accepts it', async () => {
    const { user } = await s.f.seatedUser();
    const r = await direct(user.token);
    const claims = claimsOf(r.body.token);
    expect(Object.keys(claims.deciding_flags).length).toBeGreaterThan(0);
    expect(Object.values(claims.deciding_flags).every((v) => typeof v === 'boolean')).toBe(true);
    expect(claims.feature_flags).toEqual(
      Object.keys(claims.deciding_flags).filter((k) => claims.deciding_flags[k]),
    );
    expect((await callGateway(r)).status).toBe(200);
  });

  it('publishes OIDC discovery and JWKS with cache headers', async () => {
    const d = await s.app.api.call('GET', '/.well-known/openid-configuration');
    expect(d.status).toBe(200);
    expect(d.body.jwks_uri).toBe(`${s.app.running.config.http.publicUrl}/oauth/discovery/keys`);
    const k = await s.app.api.call('GET', '/oauth/discovery/keys');
    expect(k.body.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(k.headers.get('cache-control')).toMatch(/max-age=\d+/);
  });

  // Last: after an immediate rotation the twin refuses our tokens for the rest of this stack.
  it('an immediate rotation signs at once; the twin (24 h JWKS cache) refuses those tokens, as the answer warns', async () => {
    const { user } = await s.f.seatedUser();
    /** The kid of the token our own (indirect) call carried, and the gateway's status. */
    const upstream = async () => {
      const from = s.mark();
      await s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
        token: user.token,
        body: completionBody(),
      });
      const sent = s.since(from).find((q) => /^\/v[234]\/code\//.test(q.path));
      return {
        kid: kidOf((sent?.headers.authorization ?? '').replace(/^Bearer /, '')),
        status: sent?.status,
      };
    };
    const before = await direct(user.token);
    expect(kidOf(before.body.token)).toBe(kidOf((await direct(user.token)).body.token)); // reused
    expect((await upstream()).kid).toBe(kidOf(before.body.token));
    const rotate = (body: unknown = {}) =>
      s.app.api.call('POST', '/api/v4/admin/signing_keys/rotate', {
        token: s.app.rootToken,
        body,
      });
    // By default the new key is only published: direct access and our calls keep the old one.
    const staged = await rotate();
    expect(staged.status).toBe(201);
    expect(kidOf((await direct(user.token)).body.token)).toBe(kidOf(before.body.token));

    // Immediate (a compromised key): both sign with the new key at once, and the twin, which
    // fetched our JWKS before, refuses them (401) until its cache expires, as the answer says.
    const rotated = await rotate({ immediate: true });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ immediate: true, gateways_may_refuse: [s.stub.url] });
    const after = await direct(user.token);
    expect(kidOf(after.body.token)).toBe(rotated.body.kid);
    expect(await upstream()).toEqual({ kid: rotated.body.kid, status: 401 });
    expect((await callGateway(after)).status).toBe(401);
  }, 20_000);
});

describe('direct_access with GATEWAY_TOKEN_SOURCE=gateway (the stub gateway mints the token)', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ env: { GATEWAY_TOKEN_SOURCE: 'gateway' } });
  }, 60_000);
  afterAll(() => s?.close());

  it('201 with a token minted by the gateway, which the gateway accepts', async () => {
    const { user } = await s.f.seatedUser();
    const r = await s.app.api.call('POST', '/api/v4/code_suggestions/direct_access', {
      token: user.token,
      body: { project_path: 'a/b' },
    });
    expect(r.status).toBe(201);
    expect(claimsOf(r.body.token).iss).toBe('gitlab-ai-gateway');
    // the gateway's token lives an hour; the IDE is told to re-ask within our lifetime (110 s)
    expect(claimsOf(r.body.token).exp).toBeGreaterThan(Date.now() / 1000 + 3500);
    expect(r.body.expires_at).toBeLessThanOrEqual(Date.now() / 1000 + 110);
    expect(r.body.expires_at).toBeGreaterThan(Date.now() / 1000 + 100);
    expect((await callGateway(r)).status).toBe(200);
    expect(s.stub.requests.some((q) => q.path === '/v1/code/user_access_token')).toBe(true);
  });
});
