import { Factory } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { BACKENDS } from '../support/test-database';

describe.each(BACKENDS)('identity and auth over HTTP (%s)', (backend) => {
  let app: TestApp;
  let f: Factory;

  beforeAll(async () => {
    app = await startTestApp({ backend });
    f = new Factory(app.api, app.rootToken);
  }, 60_000);
  afterAll(() => app?.close());

  it('INITIAL_ROOT_TOKEN created an admin root that can call the admin API', async () => {
    const me = await app.api.call('GET', '/api/v4/user', { token: app.rootToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'root', is_admin: true });
  });

  it('accepts Bearer and PRIVATE-TOKEN and shapes user, version and token/self as GitLab does', async () => {
    const u = await f.user();
    const bearer = await app.api.call('GET', '/api/v4/user', {
      headers: { authorization: `Bearer ${u.token}` },
    });
    expect(bearer.status).toBe(200);
    expect(bearer.body).toMatchObject({
      id: u.id,
      username: u.username,
      state: 'active',
      is_admin: false,
    });
    const version = await app.api.call('GET', '/api/v4/version', { token: u.token });
    expect(version.body.version).toBe('18.6.0');
    const self = await app.api.call('GET', '/api/v4/personal_access_tokens/self', {
      token: u.token,
    });
    expect(self.body).toMatchObject({
      id: u.tokenId,
      user_id: u.id,
      active: true,
      revoked: false,
      scopes: ['api', 'ai_features'],
    });
  });

  it.each([
    ['no token', {}],
    ['unknown token', { 'private-token': 'glpat-doesnotexist' }],
    ['malformed bearer', { authorization: 'Bearer' }],
    ['basic auth', { authorization: 'Basic Zm9vOmJhcg==' }],
  ])('401 for %s', async (_name, headers) => {
    const r = await app.api.call('GET', '/api/v4/user', { headers: headers });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ message: '401 Unauthorized' });
  });

  it('401 for a revoked token (at once on this instance)', async () => {
    const u = await f.user();
    expect((await app.api.call('GET', '/api/v4/user', { token: u.token })).status).toBe(200);
    const del = await app.api.call('DELETE', `/api/v4/personal_access_tokens/${u.tokenId}`, {
      token: app.rootToken,
    });
    expect(del.status).toBe(204);
    expect((await app.api.call('GET', '/api/v4/user', { token: u.token })).status).toBe(401);
  });

  it('401 for an expired token', async () => {
    const u = await f.user({
      expiresAt: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
    });
    expect((await app.api.call('GET', '/api/v4/user', { token: u.token })).status).toBe(200);
    // A past expiry cannot be created through the API; a token expiring today is already expired.
    const bad = await app.api.call('POST', `/api/v4/users/${u.id}/personal_access_tokens`, {
      token: app.rootToken,
      body: { name: 'old', scopes: ['api'], expires_at: new Date().toISOString().slice(0, 10) },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('expires_at must be in the future');
  });

  it('read_api may GET but gets 403 insufficient_scope on POST; non-admins get 403 on admin routes', async () => {
    const reader = await f.user({ scopes: ['read_api'] });
    expect((await app.api.call('GET', '/api/v4/user', { token: reader.token })).status).toBe(200);
    const post = await app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token: reader.token,
      body: {},
    });
    expect(post.status).toBe(403);
    expect(post.body.error).toBe('insufficient_scope');
    const dev = await f.user();
    const admin = await app.api.call('POST', '/api/v4/users', {
      token: dev.token,
      body: { username: 'nope', name: 'n' },
    });
    expect(admin.status).toBe(403);
    expect(admin.body).toEqual({ message: '403 Forbidden' });
  });

  it('a blocked user is refused at once', async () => {
    const u = await f.user();
    await app.api.call('PUT', `/api/v4/users/${u.id}`, {
      token: app.rootToken,
      body: { state: 'blocked' },
    });
    expect((await app.api.call('GET', '/api/v4/user', { token: u.token })).status).toBe(401);
  });

  it('echoes X-Request-ID and generates one when absent', async () => {
    const given = await app.api.call('GET', '/-/liveness', {
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const generated = await app.api.call('GET', '/-/liveness');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('readiness checks the database and the flag source', async () => {
    const r = await app.api.call('GET', '/-/readiness');
    expect(r.status).toBe(200);
    expect(r.body.checks.database).toMatchObject({ ok: true, detail: { backend } });
    expect(r.body.checks.flags).toMatchObject({ ok: true });
  });
});
