import { startTestApp, TestApp } from '../../support/test-app';
import { BACKENDS } from '../../support/test-database';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

/**
 * Issue #12, the HTTP details GitLab clients rely on, checked on the wire: slashes, the exact
 * content type, the pagination headers, `search` taken literally, the three body encodings,
 * `?private_token=`.
 */
describe.each(BACKENDS)('GitLab HTTP compatibility (%s)', (backend) => {
  let app: TestApp;
  const prefix = `hc${backend.slice(0, 2)}${Date.now().toString(36)}`;
  const get = (path: string, token?: string) =>
    app.api.call('GET', path, { token: token ?? app.rootToken });

  beforeAll(async () => {
    app = await startTestApp({ backend });
  }, 60_000);
  afterAll(() => app?.close());

  it('answers double and trailing slashes as GitLab does, with exactly application/json', async () => {
    for (const path of ['/api/v4/features/', '/api/v4//features', '/api/v4/user/']) {
      const r = await get(path);
      expect({ path, status: r.status }).toEqual({ path, status: 200 });
      expect(r.headers.get('content-type')).toBe('application/json');
    }
    const set = await app.api.call('POST', '/api/v4/features//expanded_ai_logging', {
      token: app.rootToken,
      body: { value: true },
    });
    expect(set.status).toBe(201);
    expect(set.headers.get('content-type')).toBe('application/json');
    const del = await app.api.call('DELETE', '/api/v4/features//expanded_ai_logging', {
      token: app.rootToken,
    });
    expect(del.status).toBe(204);
    // errors too: python-gitlab reads the message only from an application/json answer
    expect((await get('/api/v4/users/0')).headers.get('content-type')).toBe('application/json');
  });

  it('pages with GitLab headers and Link, never echoing a query token; per_page above 100 is 100', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await app.api.call('POST', '/api/v4/users', {
        token: app.rootToken,
        body: { username: `${prefix}-p${i}`, name: `P ${i}` },
      });
      expect(r.status).toBe(201);
    }
    const r = await app.api.call(
      'GET',
      `/api/v4/users?search=${prefix}-p&per_page=2&page=2&private_token=${app.rootToken}`,
    );
    expect(r.status).toBe(200);
    // GitLab lists users newest first (order_by=id, sort=desc): p4 p3 | p2 p1 | p0.
    expect(r.body.map((u: { username: string }) => u.username)).toEqual([
      `${prefix}-p2`,
      `${prefix}-p1`,
    ]);
    const h = (n: string) => r.headers.get(n);
    expect([h('x-total'), h('x-total-pages'), h('x-page'), h('x-per-page')]).toEqual([
      '5',
      '3',
      '2',
      '2',
    ]);
    expect([h('x-next-page'), h('x-prev-page')]).toEqual(['3', '1']);
    const link = h('link')!;
    expect(link).toContain(
      `<${app.url}/api/v4/users?search=${prefix}-p&page=3&per_page=2>; rel="next"`,
    );
    expect(link).toContain('rel="prev"');
    expect(link).toContain('rel="first"');
    expect(link).toContain('page=3&per_page=2>; rel="last"');
    expect(link).not.toContain(app.rootToken);

    const proxied = await app.api.call('GET', `/api/v4/users?per_page=2`, {
      token: app.rootToken,
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(proxied.headers.get('link')).toContain(
      `<${app.url.replace('http:', 'https:')}/api/v4/users?`,
    );

    const big = await get(`/api/v4/users?per_page=1000`);
    expect(big.headers.get('x-per-page')).toBe('100');
    const bad = await get(`/api/v4/users?page=0`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('page');
    const defaults = await get(`/api/v4/audit_events`);
    expect(defaults.headers.get('x-per-page')).toBe('20');
  });

  it('takes search literally: %, _ and \\ are not wildcards; username= is exact', async () => {
    const make = (username: string, name: string) =>
      app.api.call('POST', '/api/v4/users', {
        token: app.rootToken,
        body: { username, name },
      });
    expect((await make(`${prefix}_u1`, '100% Ada')).status).toBe(201);
    expect((await make(`${prefix}xu2`, '1000 Ada')).status).toBe(201);
    const names = async (q: string) =>
      (await get(`/api/v4/users?${q}`)).body.map((u: { username: string }) => u.username);
    expect(await names(`search=${prefix}_u`)).toEqual([`${prefix}_u1`]);
    expect(await names(`search=${encodeURIComponent('100%')}`)).toEqual([`${prefix}_u1`]);
    expect(await names(`search=${encodeURIComponent('\\')}`)).toEqual([]);
    expect(await names(`username=${prefix}_u`)).toEqual([]);
    expect((await make(`${prefix}xu1`, 'Same length')).status).toBe(201);
    expect(await names(`username=${prefix}_u1`)).toEqual([`${prefix}_u1`]);
    expect(await names(`username=${prefix}%25`)).toEqual([]);
    expect(await names(`username=${prefix.toUpperCase()}_U1`)).toEqual([`${prefix}_u1`]);
  });

  it('accepts JSON, form-urlencoded and multipart bodies on writes', async () => {
    const form = new URLSearchParams({ username: `${prefix}-form`, name: 'Form', admin: 'false' });
    const urlencoded = await app.api.call('POST', '/api/v4/users', {
      token: app.rootToken,
      raw: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(urlencoded.status).toBe(201);

    const multipart = new FormData();
    multipart.set('username', `${prefix}-multi`);
    multipart.set('name', 'Multi');
    multipart.set('password', 'never stored');
    const res = await fetch(`${app.url}/api/v4/users`, {
      method: 'POST',
      headers: { 'private-token': app.rootToken },
      body: multipart,
    });
    expect(res.status).toBe(201);
    const user = (await res.json()) as { id: number; username: string };
    expect(user.username).toBe(`${prefix}-multi`);

    const edit = new FormData();
    edit.set('name', 'Multi Edited');
    const put = await fetch(`${app.url}/api/v4/users/${user.id}`, {
      method: 'PUT',
      headers: { 'private-token': app.rootToken },
      body: edit,
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ name: 'Multi Edited' });

    const flag = new FormData();
    flag.set('value', '30');
    const setFlag = await fetch(`${app.url}/api/v4/features/expanded_ai_logging`, {
      method: 'POST',
      headers: { 'private-token': app.rootToken },
      body: flag,
    });
    expect(setFlag.status).toBe(201);
    expect(await setFlag.json()).toMatchObject({ state: 'conditional' });
  });

  it('refuses an unknown multipart field and a file by name, and an oversized body with 413', async () => {
    const extra = new FormData();
    extra.set('username', `${prefix}-x`);
    extra.set('name', 'X');
    extra.set('nickname', 'x');
    const r = await fetch(`${app.url}/api/v4/users`, {
      method: 'POST',
      headers: { 'private-token': app.rootToken },
      body: extra,
    });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('nickname');

    const file = new FormData();
    file.set('avatar', new Blob(['GIF89a']), 'a.gif');
    const f = await fetch(`${app.url}/api/v4/users/1`, {
      method: 'PUT',
      headers: { 'private-token': app.rootToken },
      body: file,
    });
    expect(f.status).toBe(400);
    expect(await f.text()).toContain('avatar');

    const huge = new FormData();
    huge.set('name', 'x'.repeat(9 * 1024 * 1024));
    const h = await fetch(`${app.url}/api/v4/users/1`, {
      method: 'PUT',
      headers: { 'private-token': app.rootToken },
      body: huge,
    });
    expect(h.status).toBe(413);
  });

  it('authenticates with ?private_token= as GitLab does, and refuses a wrong one', async () => {
    const ok = await app.api.call('GET', `/api/v4/user?private_token=${app.rootToken}`);
    expect(ok.status).toBe(200);
    expect(ok.body.username).toBe('root');
    const features = await app.api.call(
      'POST',
      `/api/v4/features/expanded_ai_logging?private_token=${app.rootToken}`,
      { body: { value: false } },
    );
    expect(features.status).toBe(201);
    expect((await app.api.call('GET', '/api/v4/user?private_token=nope')).status).toBe(401);
  });

  it('refuses a percentage on a fully-enabled flag as GitLab does; definitions carry introduced_by_url', async () => {
    const flag = '/api/v4/features/expanded_ai_logging';
    const on = await app.api.call('POST', flag, { token: app.rootToken, body: { value: true } });
    expect(on.status).toBe(201);
    const actors = await app.api.call('POST', `${flag}?key=percentage_of_actors`, {
      token: app.rootToken,
      body: { value: 10 },
    });
    expect(actors.status).toBe(400);
    expect(actors.text).toContain('Cannot enable percentage of actors for a fully-enabled flag');
    const def = (await get(flag)).body.definition;
    expect(def).toHaveProperty('introduced_by_url');
    await app.api.call('DELETE', flag, { token: app.rootToken });
  });

  it('documents the new routes and the PAT bearer scheme without bearerFormat JWT', async () => {
    const doc = (await app.api.call('GET', '/api/docs-json')).body;
    expect(doc.components.securitySchemes.bearer).not.toHaveProperty('bearerFormat');
    for (const [path, method] of [
      ['/api/v4/personal_access_tokens', 'get'],
      ['/api/v4/projects', 'get'],
      ['/api/v4/groups/{id}/members', 'get'],
      ['/api/v4/users/{id}/block', 'post'],
      ['/api/v4/users/{id}/unblock', 'post'],
    ]) {
      expect({ path, method, documented: Boolean(doc.paths[path]?.[method]) }).toEqual({
        path,
        method,
        documented: true,
      });
    }
    const names = doc.paths['/api/v4/groups'].get.parameters.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['search', 'page', 'per_page']));
  });
});
