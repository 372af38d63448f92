import { PrismaService } from '../../src/database/prisma.service';
import { Factory } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { BACKENDS } from '../support/test-database';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

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

  it("records a token's last use within about a second (batched writes)", async () => {
    const u = await f.user();
    const self = () =>
      app.api.call('GET', '/api/v4/personal_access_tokens/self', { token: u.token });
    const deadline = Date.now() + 5000;
    let lastUsed: string | null = (await self()).body.last_used_at;
    while (!lastUsed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      lastUsed = (await self()).body.last_used_at;
    }
    expect(lastUsed).not.toBeNull();
    expect(Math.abs(Date.parse(lastUsed!) - Date.now())).toBeLessThan(10_000);
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

  it('401 for an expired token: a real token whose expires_at has passed', async () => {
    const u = await f.user({
      expiresAt: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
    });
    // The API refuses a past expiry, so move it there in the database before the first use
    // (the first use would otherwise be cached with the old expiry for TOKEN_CACHE_TTL_MS).
    await app.running.app.get(PrismaService).personalAccessToken.update({
      where: { id: u.tokenId },
      data: { expiresAt: new Date(Date.now() - 60_000) },
    });
    const r = await app.api.call('GET', '/api/v4/user', { token: u.token });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ message: '401 Unauthorized' });
    const bearer = await app.api.call('GET', '/api/v4/personal_access_tokens/self', {
      headers: { authorization: `Bearer ${u.token}` },
    });
    expect(bearer).toMatchObject({ status: 401, body: { message: '401 Unauthorized' } });
    const pastDate = await app.api.call('POST', `/api/v4/users/${u.id}/personal_access_tokens`, {
      token: app.rootToken,
      body: { name: 'old', scopes: ['api'], expires_at: new Date().toISOString().slice(0, 10) },
    });
    expect(pastDate).toMatchObject({
      status: 400,
      body: { error: 'expires_at must be in the future' },
    });
  });

  it('an ai_features-only token may ask for code suggestions and read its own token, nothing else', async () => {
    const { user, group } = await f.seatedUser();
    const ai = await app.api.call('POST', `/api/v4/users/${user.id}/personal_access_tokens`, {
      token: app.rootToken,
      body: { name: 'ide-ai', scopes: ['ai_features'] },
    });
    expect(ai.status).toBe(201);
    const token: string = ai.body.token;
    const completion = await app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token,
      body: {
        current_file: {
          file_name: 'src/main.py',
          content_above_cursor: 'def add(a, b):\n    ',
          content_below_cursor: '\n',
        },
      },
    });
    expect(completion.status).toBe(200);
    const direct = await app.api.call('POST', '/api/v4/code_suggestions/direct_access', {
      token,
      body: {},
    });
    expect(direct.status).toBe(201);
    for (const path of ['/api/v4/version', '/api/v4/personal_access_tokens/self']) {
      expect((await app.api.call('GET', path, { token })).status).toBe(200);
    }
    const insufficient = {
      status: 403,
      body: { error: 'insufficient_scope', scope: expect.any(String) },
    };
    expect(await app.api.call('GET', '/api/v4/user', { token })).toMatchObject(insufficient);
    expect(await app.api.call('GET', `/api/v4/groups/${group.id}`, { token })).toMatchObject(
      insufficient,
    );
    // An administrator's ai_features token does not reach the admin API either.
    const rootAi = await app.api.call('POST', '/api/v4/users/1/personal_access_tokens', {
      token: app.rootToken,
      body: { name: 'root-ai', scopes: ['ai_features'] },
    });
    const asAdmin = await app.api.call('POST', '/api/v4/users', {
      token: rootAi.body.token,
      body: { username: 'nope-ai', name: 'n' },
    });
    expect(asAdmin).toMatchObject(insufficient);
  });

  (backend === 'postgres' ? it : it.skip)(
    'a token revoked on instance A stops working on instance B within TOKEN_CACHE_TTL_MS',
    async () => {
      const ttl = 300;
      // Two instances on one database share the signing-key secret, as a deployment would.
      const shared = { TOKEN_CACHE_TTL_MS: String(ttl), SIGNING_KEY_SECRET: 's'.repeat(40) };
      const a = await startTestApp({ backend, env: shared });
      let b: TestApp | undefined;
      try {
        // Same database, a second instance with its own token cache.
        b = await startTestApp({
          env: { ...shared, DATABASE_URL: a.running.config.database.url! },
        });
        const u = await new Factory(a.api, a.rootToken).user();
        expect((await b.api.call('GET', '/api/v4/user', { token: u.token })).status).toBe(200);
        const del = await a.api.call('DELETE', `/api/v4/personal_access_tokens/${u.tokenId}`, {
          token: a.rootToken,
        });
        expect(del.status).toBe(204);
        expect((await a.api.call('GET', '/api/v4/user', { token: u.token })).status).toBe(401);
        await new Promise((r) => setTimeout(r, ttl + 100));
        const later = await b.api.call('GET', '/api/v4/user', { token: u.token });
        expect(later).toMatchObject({ status: 401, body: { message: '401 Unauthorized' } });
      } finally {
        await b?.close();
        await a.close();
      }
    },
    60_000,
  );

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
