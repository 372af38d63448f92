import * as net from 'node:net';
import { Client } from 'pg';
import { OPENAPI_JSON_PATH } from '../../src/common/http/openapi';
import { completionBody, startStack, Stack } from '../support/stack';
import { BACKENDS } from '../support/test-database';

/**
 * Semantic oracles of the hostile-input tier (issue #14): equality lookups are equality (`%` and
 * `_` are never wildcards), NUL is a 400 naming the field, path parameters are decoded once,
 * host_name is a host name (IDN stored as punycode), revocation is immediate, and no client can
 * hold a request open: a body needs a credential, a stalled body gets a 408, GET takes no body.
 */
const FLAG = 'code_completion_model_codestral_2508_vertex';

// The request-limit test waits out a 2 s body limit and a 1 s headers limit; a loaded machine is slow.
jest.setTimeout(60_000);

describe.each(BACKENDS)('hostile-input oracles (%s)', (backend) => {
  let s: Stack;
  const api = () => s.app.api;
  const root = () => s.app.rootToken;

  beforeAll(async () => {
    s = await startStack({
      backend,
      env: { HTTP_REQUEST_TIMEOUT_MS: '2000', HTTP_HEADERS_TIMEOUT_MS: '1000' },
    });
  }, 120_000);
  afterAll(() => s?.close());

  const createUser = (username: string, email?: string) =>
    api().call('POST', '/api/v4/users', {
      token: root(),
      body: { username, name: username, ...(email ? { email } : {}) },
    });

  it('every username, email and path lookup refuses % and _ as wildcards', async () => {
    const tag = backend.slice(0, 2) + Date.now().toString(36);
    expect((await createUser(`jx${tag}`, `alice${tag}@example.com`)).status).toBe(201);
    expect((await createUser(`j_${tag}`)).status).toBe(201); // was "already taken"
    expect((await createUser(`jy${tag}`, `_lice${tag}@example.com`)).status).toBe(201);
    expect((await createUser(`JX${tag}`)).status).toBe(409); // equality stays case-insensitive

    for (const pattern of ['%', `j%`, `j_${tag.slice(0, -1)}_`, `J_${tag.toUpperCase()}`]) {
      const found = await api().call(
        'GET',
        `/api/v4/users?username=${encodeURIComponent(pattern)}`,
        { token: root() },
      );
      expect(found.status).toBe(200);
      expect((found.body as Array<{ username: string }>).map((u) => u.username)).toEqual(
        pattern.toLowerCase() === `j_${tag}` ? [`j_${tag}`] : [],
      );
    }
    for (const term of ['%', '_', `j_${tag.slice(0, 3)}%`, `x${tag.slice(0, 3)}`]) {
      const found = await api().call('GET', `/api/v4/users?search=${encodeURIComponent(term)}`, {
        token: root(),
      });
      const users = found.body as Array<{ username: string; name: string; email: string | null }>;
      // a plain substring: every user listed holds the term literally, `_`/`%` included
      const literal = users.filter((u) =>
        [u.username, u.name, u.email ?? ''].some((v) => v.toLowerCase().includes(term)),
      );
      expect({ term, listed: users.length }).toEqual({ term, listed: literal.length });
      if (term.includes('%')) expect(users).toEqual([]);
    }
    for (const user of ['%', `j_${tag.slice(0, -1)}%`, `_x${tag}`]) {
      const gated = await api().call('POST', `/api/v4/features/${FLAG}`, {
        token: root(),
        body: { value: true, user },
      });
      expect(gated.status).toBe(400); // `user '…' does not exist`, never a gate for someone else
    }

    const { user, project } = await s.f.seatedUser();
    const [gPath, pPath] = project.path_with_namespace.split('/');
    const wild = [`${gPath}/${pPath.slice(0, 2)}%`, `${gPath}/${pPath[0]}_${pPath.slice(2)}`];
    for (const path of [...wild, `${gPath.slice(0, 2)}%`]) {
      const r = await api().call('GET', `/api/v4/projects/${encodeURIComponent(path)}`, {
        token: root(),
      });
      expect(r.status).toBe(404);
      const g = await api().call('GET', `/api/v4/groups/${encodeURIComponent(path)}`, {
        token: root(),
      });
      expect([400, 404]).toContain(g.status); // groups are looked up by id only: 400
    }
    const exact = await api().call(
      'GET',
      `/api/v4/projects/${encodeURIComponent(project.path_with_namespace.toUpperCase())}`,
      { token: root() },
    );
    expect(exact).toMatchObject({ status: 200, body: { id: project.id } });
    const enabled = (project_path: string) =>
      api().call('POST', '/api/v4/code_suggestions/enabled', {
        token: user.token,
        body: { project_path },
      });
    expect((await enabled(project.path_with_namespace)).status).toBe(200);
    for (const path of wild) expect((await enabled(path)).status).toBe(404);
  });

  it('NUL anywhere is a 400 naming the field; %25 is a 404, decoded once', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['GET', '/api/v4/users?username=%00', undefined, 'username'],
      ['GET', '/api/v4/audit_events?entity_type=a%00', undefined, 'entity_type'],
      ['GET', `/api/v4/features/${FLAG}/evaluate?project=%00`, undefined, 'project'],
      ['GET', '/api/v4/code_suggestions/routing?project_path=%00', undefined, 'project_path'],
      ['GET', '/api/v4/projects/a%00b', undefined, 'id'],
      ['POST', '/api/v4/users', { username: 'a\u0000', name: 'x' }, 'username'],
      ['POST', '/api/v4/groups', { name: 'x', path: 'x', tags: ['ok', '\u0000'] }, 'tags[1]'],
      ['PUT', '/api/v4/application/settings', { host_name: 'a\u0000.com' }, 'host_name'],
      ['POST', '/api/v4/code_suggestions/enabled', { project_path: 'a/\u0000' }, 'project_path'],
      ['POST', `/api/v4/features/${FLAG}`, { value: true, user: 'root\u0000' }, 'user'],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await api().call(method, path, { token: root(), body });
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      expect(r.body).toEqual({ error: `${field} must not contain a NUL character` });
    }
    for (const id of ['%25', '%2541', 'a%25b']) {
      const r = await api().call('GET', `/api/v4/projects/${id}`, { token: root() });
      expect(r.status).toBe(404);
    }
  });

  it('host_name: IDN stored as punycode, completions keep working; a non-host is a 400', async () => {
    const put = (host_name: string) =>
      api().call('PUT', '/api/v4/application/settings', { token: root(), body: { host_name } });
    expect(await put('gitlab.例え.jp')).toMatchObject({
      status: 200,
      body: { host_name: 'gitlab.xn--r8jz45g.jp' },
    });
    const { user } = await s.f.seatedUser();
    const mark = s.mark();
    const c = await api().call('POST', '/api/v4/code_suggestions/completions', {
      token: user.token,
      body: completionBody(),
    });
    expect(c.status).toBe(200);
    expect(s.since(mark)[0]?.headers['x-gitlab-host-name']).toBe('gitlab.xn--r8jz45g.jp');
    for (const bad of ['a b', 'gitlab.example.com:8080/x', '-x.com', 'a..b', 'x'.repeat(64)]) {
      const r = await put(bad);
      expect(r).toMatchObject({ status: 400 });
      expect(String((r.body as { error: string }).error)).toMatch(/^host_name /);
    }
  });

  it('a host_name stored before validation is served in its ASCII form (PostgreSQL: written directly)', async () => {
    const url = s.app.running.config.database.url;
    if (!url) return; // the embedded database cannot be written from outside the process
    const db = new Client({ connectionString: url });
    await db.connect();
    await db.query(`UPDATE application_settings SET host_name = 'bücher.example'`);
    await db.end();
    const { user } = await s.f.seatedUser();
    let header: string | undefined;
    const until = Date.now() + 20_000; // the settings snapshot refreshes every 2 s
    while (header !== 'xn--bcher-kva.example' && Date.now() < until) {
      const mark = s.mark();
      const c = await api().call('POST', '/api/v4/code_suggestions/completions', {
        token: user.token,
        body: completionBody(),
      });
      expect(c.status).toBe(200);
      header = s.since(mark)[0]?.headers['x-gitlab-host-name'];
      if (header !== 'xn--bcher-kva.example') await new Promise((r) => setTimeout(r, 200));
    }
    expect(header).toBe('xn--bcher-kva.example');
  });

  it('a revoked token is refused at once', async () => {
    const u = await s.f.user();
    expect((await api().call('GET', '/api/v4/user', { token: u.token })).status).toBe(200);
    const del = await api().call('DELETE', `/api/v4/personal_access_tokens/${u.tokenId}`, {
      token: root(),
    });
    expect(del.status).toBe(204);
    expect((await api().call('GET', '/api/v4/user', { token: u.token })).status).toBe(401);
  });

  it('no public route takes a body (so "a body needs a credential" may be checked before reading it)', async () => {
    const doc = (await api().call('GET', OPENAPI_JSON_PATH)).body as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const publicWithBody = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops)
        .filter(([m, op]) => !['get', 'head'].includes(m) && !op.security?.length)
        .map(([m]) => `${m.toUpperCase()} ${p}`),
    );
    // A public route with a body needs an exemption in src/common/http/request-limits.ts.
    expect(publicWithBody).toEqual([]);
  });

  it('no client holds a request open: credential before the body, 408 for a stalled body, no GET body', async () => {
    const { port } = new URL(s.app.url);
    // without a credential the answer comes before the body is sent at all
    const anon = await rawExchange(
      Number(port),
      'POST /api/v4/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
    );
    expect(anon.head).toMatch(/^HTTP\/1\.1 401/);
    expect(anon.closed).toBe(true);
    // nor with a made-up one: authentication happens before the body is read
    const forged = await rawExchange(
      Number(port),
      'POST /api/v4/users HTTP/1.1\r\nHost: x\r\nPrivate-Token: glpat-made-up-0123456789\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
    );
    expect(forged.head).toMatch(/^HTTP\/1\.1 401/);
    expect(forged.closed).toBe(true);
    // with one, a body that stalls is cut by the request time limit (2 s in this test)
    const stalled = await rawExchange(
      Number(port),
      `POST /api/v4/users HTTP/1.1\r\nHost: x\r\nPrivate-Token: ${root()}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`,
    );
    expect(stalled.head).toMatch(/^HTTP\/1\.1 408/);
    expect(stalled.closed).toBe(true);
    // headers that never finish
    const slowHeaders = await rawExchange(Number(port), 'GET /api/v4/user HTTP/1.1\r\nHost: x\r\n');
    expect(slowHeaders.closed).toBe(true);
    // a GET with a body (20 MB declared) is refused before it is read
    const getBody = await rawExchange(
      Number(port),
      `GET /api/v4/user HTTP/1.1\r\nHost: x\r\nPrivate-Token: ${root()}\r\nContent-Type: application/json\r\nContent-Length: 20000000\r\n\r\n{}`,
    );
    expect(getBody.head).toMatch(/^HTTP\/1\.1 413/);
    const big = await api()
      .call('POST', '/api/v4/users', {
        token: root(),
        headers: { 'content-length': String(9 * 1024 * 1024) },
        raw: '{}',
      })
      .catch((err: Error) => ({ status: err.name }));
    expect(big.status).not.toBe(201);
  });
});

/** Writes `request` on a fresh socket and waits (60 s at most) for the server to close it. */
function rawExchange(port: number, request: string): Promise<{ head: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ head: data, closed: false });
    }, 60_000);
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ head: data, closed: true });
    });
    socket.write(request);
  });
}
