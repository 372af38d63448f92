import * as http from 'node:http';
import { Factory } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { BACKENDS } from '../support/test-database';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

describe.each(BACKENDS)('provisioning API (%s)', (backend) => {
  let app: TestApp;
  let f: Factory;
  const admin = () => ({ token: app.rootToken });

  beforeAll(async () => {
    app = await startTestApp({ backend });
    f = new Factory(app.api, app.rootToken);
  }, 60_000);
  afterAll(() => app?.close());

  it('creates users, shows a token secret once, and refuses duplicates with 409', async () => {
    const u = await f.user();
    const list = await app.api.call('GET', `/api/v4/users?username=${u.username}`, admin());
    expect(list.body).toHaveLength(1);
    const again = await app.api.call('POST', '/api/v4/users', {
      ...admin(),
      body: { username: u.username, name: 'x' },
    });
    expect(again.status).toBe(409);
    const self = await app.api.call('GET', '/api/v4/personal_access_tokens/self', {
      token: u.token,
    });
    expect(self.body.token).toBeUndefined();
  });

  it.each([
    [{ name: 'no username' }, 'username is missing'],
    [{ username: 'a b', name: 'x' }, 'username can contain only letters, digits, _, - and .'],
    [{ username: 'ok', name: 5 }, 'name is invalid'],
    [{ username: 'ok', name: 'x', extra: true }, 'extra is not a known field'],
    [{ username: 'x'.repeat(256), name: 'x' }, 'username is too long'],
  ])('400 with the field and the problem: %j', async (body, message) => {
    const r = await app.api.call('POST', '/api/v4/users', { ...admin(), body });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe(message);
  });

  it('400 for malformed JSON and non-UTF-8 bodies; 413 for huge bodies; never 500', async () => {
    const bad = await app.api.call('POST', '/api/v4/users', { ...admin(), raw: '{"username":' });
    expect(bad.status).toBe(400);
    const latin1 = await app.api.call('POST', '/api/v4/users', {
      ...admin(),
      raw: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]),
    });
    expect(latin1).toMatchObject({ status: 400, body: { error: 'body is not valid UTF-8' } });
    const huge = await app.api.call('POST', '/api/v4/users', {
      ...admin(),
      raw: '"' + 'a'.repeat(9 * 1024 * 1024) + '"',
    });
    expect(huge).toMatchObject({ status: 413, body: { message: '413 Request Entity Too Large' } });
    const xml = await app.api.call('POST', '/api/v4/users', {
      ...admin(),
      raw: '<user/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(xml).toMatchObject({
      status: 415,
      body: {
        message:
          '415 Unsupported Media Type - send the body as JSON with Content-Type: application/json',
      },
    });
  });

  it('415 with a hint for JSON sent without a JSON content type (curl -d without -H)', async () => {
    const json = JSON.stringify({ username: 'form-json', name: 'F' });
    const asForm = await app.api.call('POST', '/api/v4/users', {
      ...admin(),
      raw: json,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(asForm.status).toBe(415);
    expect(asForm.body.message).toContain('Content-Type: application/json');
    expect(asForm.body.message).toContain('application/x-www-form-urlencoded');
    // A real form still works (GitLab accepts both).
    const form = await app.api.call('POST', '/api/v4/users', {
      ...admin(),
      raw: 'username=form-user&name=Form',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(201);
    // No Content-Type header at all (fetch always adds one, so plain node:http).
    const none = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const req = http.request(
        `${app.url}/api/v4/users`,
        { method: 'POST', headers: { 'private-token': app.rootToken } },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode, body }));
        },
      );
      req.on('error', reject);
      req.end(json);
    });
    expect(none.status).toBe(415);
    expect(none.body).toContain('Content-Type: application/json');
  });

  it('groups, subgroups, projects and memberships; unknown references are 400 naming the field', async () => {
    const top = await f.group();
    const sub = await f.group({ parentId: top.id });
    expect(sub.full_path).toBe(`${top.full_path}/${sub.full_path.split('/')[1]}`);
    const project = await f.project(sub.id);
    expect(project.path_with_namespace.startsWith(`${sub.full_path}/`)).toBe(true);
    const noParent = await app.api.call('POST', '/api/v4/groups', {
      ...admin(),
      body: { name: 'x', path: 'x', parent_id: 999999 },
    });
    expect(noParent).toMatchObject({ status: 400, body: { error: 'parent_id does not exist' } });
    const noNs = await app.api.call('POST', '/api/v4/projects', {
      ...admin(),
      body: { name: 'x', namespace_id: 999999 },
    });
    expect(noNs).toMatchObject({ status: 400, body: { error: 'namespace_id does not exist' } });
    const dupe = await app.api.call('POST', '/api/v4/groups', {
      ...admin(),
      body: { name: 'x', path: top.full_path },
    });
    expect(dupe).toMatchObject({ status: 400, body: { error: 'path has already been taken' } });
    const noUser = await app.api.call('POST', `/api/v4/groups/${top.id}/members`, {
      ...admin(),
      body: { user_id: 999999 },
    });
    expect(noUser).toMatchObject({ status: 400, body: { error: 'user_id does not exist' } });
  });

  it('enforces seat counts, membership, top-level purchases, and removes seats', async () => {
    const group = await f.group();
    const purchase = await f.purchase(group.id, 2);
    const [a, b, c] = [await f.user(), await f.user(), await f.user()];
    for (const u of [a, b, c]) await f.member(group.id, u.id);
    await f.assign(group.id, purchase.id, a.id);
    const dup = await app.api.call(
      'POST',
      `/api/v4/groups/${group.id}/add_on_purchases/${purchase.id}/assignments`,
      { ...admin(), body: { user_id: a.id } },
    );
    expect(dup.status).toBe(409);
    await f.assign(group.id, purchase.id, b.id);
    const full = await app.api.call(
      'POST',
      `/api/v4/groups/${group.id}/add_on_purchases/${purchase.id}/assignments`,
      { ...admin(), body: { user_id: c.id } },
    );
    expect(full.status).toBe(422);
    expect(full.body.message).toContain('all 2 seats');
    const del = await app.api.call(
      'DELETE',
      `/api/v4/groups/${group.id}/add_on_purchases/${purchase.id}/assignments`,
      { ...admin(), body: { user_id: a.id } },
    );
    expect(del.status).toBe(204);
    await f.assign(group.id, purchase.id, c.id);
    const outsider = await f.user();
    const notMember = await app.api.call(
      'POST',
      `/api/v4/groups/${group.id}/add_on_purchases/${purchase.id}/assignments`,
      { ...admin(), body: { user_id: outsider.id } },
    );
    expect(notMember).toMatchObject({
      status: 400,
      body: { error: 'user_id is not a member of the group' },
    });
    const sub = await f.group({ parentId: group.id });
    const subPurchase = await app.api.call('POST', `/api/v4/groups/${sub.id}/add_on_purchases`, {
      ...admin(),
      body: { add_on: 'duo_pro', quantity: 1 },
    });
    expect(subPurchase.status).toBe(400);
    const badAddOn = await app.api.call('POST', `/api/v4/groups/${group.id}/add_on_purchases`, {
      ...admin(),
      body: { add_on: 'duo_max', quantity: 1 },
    });
    expect(badAddOn).toMatchObject({
      status: 400,
      body: { error: 'add_on does not have a valid value' },
    });
  });

  it('concurrent assignments never exceed the seat count', async () => {
    const group = await f.group();
    const purchase = await f.purchase(group.id, 3);
    const users = await Promise.all(Array.from({ length: 8 }, () => f.user()));
    for (const u of users) await f.member(group.id, u.id);
    const results = await Promise.all(
      users.map((u) =>
        app.api.call(
          'POST',
          `/api/v4/groups/${group.id}/add_on_purchases/${purchase.id}/assignments`,
          { ...admin(), body: { user_id: u.id } },
        ),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 422)).toHaveLength(5);
    const list = await app.api.call('GET', `/api/v4/groups/${group.id}/add_on_purchases`, admin());
    expect(list.body[0].assigned_quantity).toBe(3);
  });

  it('application settings: read, update, instance_id read-only, audit trail', async () => {
    const before = await app.api.call('GET', '/api/v4/application/settings', admin());
    expect(before.body).toMatchObject({
      gitlab_realm: 'saas',
      disabled_direct_code_suggestions: false,
    });
    expect(before.body.instance_id).toMatch(/^[0-9a-f-]{36}$/);
    const put = await app.api.call('PUT', '/api/v4/application/settings', {
      ...admin(),
      body: { gitlab_realm: 'self-managed' },
    });
    expect(put.body.gitlab_realm).toBe('self-managed');
    const ro = await app.api.call('PUT', '/api/v4/application/settings', {
      ...admin(),
      body: { instance_id: 'x' },
    });
    expect(ro).toMatchObject({ status: 400, body: { error: 'instance_id is read-only' } });
    const bad = await app.api.call('PUT', '/api/v4/application/settings', {
      ...admin(),
      body: { gitlab_realm: 'moon' },
    });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: 'gitlab_realm does not have a valid value' },
    });
    await app.api.call('PUT', '/api/v4/application/settings', {
      ...admin(),
      body: { gitlab_realm: 'saas' },
    });
    const audit = await app.api.call(
      'GET',
      '/api/v4/audit_events?entity_type=ApplicationSettings',
      admin(),
    );
    expect(audit.body[0]).toMatchObject({
      event_name: 'application_settings_updated',
      author_name: 'root',
    });
  });

  it('a subgroup cannot take an existing project full path; emails are unique regardless of case', async () => {
    const top = await f.group();
    const project = await f.project(top.id);
    const clash = await app.api.call('POST', '/api/v4/groups', {
      ...admin(),
      body: { name: 'x', path: project.path_with_namespace.split('/')[1], parent_id: top.id },
    });
    expect(clash).toMatchObject({ status: 400, body: { error: 'path has already been taken' } });
    const name = `mail${Date.now().toString(36)}`;
    const first = await app.api.call('POST', '/api/v4/users', {
      ...admin(),
      body: { username: `${name}a`, name: 'a', email: `${name}@Example.com` },
    });
    expect(first.status).toBe(201);
    const second = await app.api.call('POST', '/api/v4/users', {
      ...admin(),
      body: { username: `${name}b`, name: 'b', email: `${name.toUpperCase()}@example.COM` },
    });
    expect(second).toMatchObject({
      status: 409,
      body: { message: 'Email has already been taken' },
    });
  });

  describe('ids and integers in bodies, queries and paths', () => {
    let group: { id: number };
    let purchase: { id: number };
    beforeAll(async () => {
      group = await f.group();
      purchase = await f.purchase(group.id, 1);
    });
    const tooBig = 99999999999;
    const calls: [string, string, () => string, Record<string, unknown> | undefined][] = [
      ['user_id', 'POST', () => `/api/v4/groups/${group.id}/members`, { user_id: tooBig }],
      ['parent_id', 'POST', () => '/api/v4/groups', { name: 'x', path: 'x', parent_id: tooBig }],
      ['namespace_id', 'POST', () => '/api/v4/projects', { name: 'x', namespace_id: tooBig }],
      [
        'user_id',
        'POST',
        () => `/api/v4/groups/${group.id}/add_on_purchases/${purchase.id}/assignments`,
        { user_id: tooBig },
      ],
      [
        'user_id',
        'DELETE',
        () =>
          `/api/v4/groups/${group.id}/add_on_purchases/${purchase.id}/assignments?user_id=${tooBig}`,
        undefined,
      ],
      ['id', 'GET', () => `/api/v4/users/${tooBig}`, undefined],
      ['id', 'GET', () => '/api/v4/users/2147483648', undefined],
      ['id', 'GET', () => `/api/v4/groups/${tooBig}`, undefined],
      ['id', 'GET', () => '/api/v4/projects/2147483648', undefined],
    ];
    it.each(calls)(
      'out-of-range %s (%s) is a 400 naming the field',
      async (field, m, url, body) => {
        const r = await app.api.call(m, url(), { ...admin(), body });
        expect(r.status).toBe(400);
        expect(r.body.error).toMatch(new RegExp(`^${field} `));
      },
    );

    it('the largest int4 id is valid input (404, not 400)', async () => {
      const r = await app.api.call('GET', '/api/v4/users/2147483647', admin());
      expect(r.status).toBe(404);
    });

    it.each([
      [true, 'user_id is invalid'],
      [[3], 'user_id is invalid'],
      [1.5, 'user_id is invalid'],
      ['1e0', 'user_id is invalid'],
      ['', 'user_id is invalid'],
      [0, 'user_id must be greater than or equal to 1'],
      [null, 'user_id is invalid'],
    ])('user_id %j is refused with a 400 naming it', async (userId, message) => {
      const r = await app.api.call('POST', `/api/v4/groups/${group.id}/members`, {
        ...admin(),
        body: { user_id: userId },
      });
      expect(r).toMatchObject({ status: 400, body: { error: message } });
    });

    it.each([
      [{ quantity: true }, 'quantity is invalid'],
      [{ quantity: [2] }, 'quantity is invalid'],
      [{ quantity: '2x' }, 'quantity is invalid'],
    ])('purchase %j is refused', async (b, message) => {
      const r = await app.api.call('POST', `/api/v4/groups/${group.id}/add_on_purchases`, {
        ...admin(),
        body: { add_on: 'duo_enterprise', ...b },
      });
      expect(r).toMatchObject({ status: 400, body: { error: message } });
    });

    it('access_level true is refused; decimal-digit strings are accepted (form style)', async () => {
      const u = await f.user();
      const bad = await app.api.call('POST', `/api/v4/groups/${group.id}/members`, {
        ...admin(),
        body: { user_id: u.id, access_level: true },
      });
      expect(bad).toMatchObject({ status: 400, body: { error: 'access_level is invalid' } });
      const good = await app.api.call('POST', `/api/v4/groups/${group.id}/members`, {
        ...admin(),
        body: { user_id: String(u.id), access_level: '40' },
      });
      expect(good).toMatchObject({ status: 201, body: { id: u.id, access_level: 40 } });
    });

    it.each(['abc', '1.5', '0', '', '0x10', '1e1'])(
      'audit_events per_page=%j is a 400',
      async (v) => {
        const r = await app.api.call('GET', `/api/v4/audit_events?per_page=${v}`, admin());
        expect(r.status).toBe(400);
        expect(r.body.error).toMatch(/^per_page /);
      },
    );

    it('audit_events per_page above 100 counts as 100, as in GitLab', async () => {
      const r = await app.api.call('GET', '/api/v4/audit_events?per_page=101', admin());
      expect(r.status).toBe(200);
      expect(r.headers.get('x-per-page')).toBe('100');
    });

    it('audit_events per_page=2 pages', async () => {
      const r = await app.api.call('GET', '/api/v4/audit_events?per_page=2', admin());
      expect(r.status).toBe(200);
      expect(r.body.length).toBeLessThanOrEqual(2);
    });
  });
});
