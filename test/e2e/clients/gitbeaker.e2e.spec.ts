import { AccessLevel, Gitlab } from '@gitbeaker/rest';
import { startTestApp, TestApp } from '../../support/test-app';
import { BACKENDS } from '../../support/test-database';
import { createBulkUsers } from '../../support/clients/seed';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

const BULK = 250;

/**
 * Issue #12: @gitbeaker/rest, unmodified, drives Switchboard as an admin's Node script would:
 * its multipart writes, its offset pagination (X-Next-Page) and its URL-encoded paths.
 */
describe.each(BACKENDS)('@gitbeaker/rest against Switchboard (%s)', (backend) => {
  let app: TestApp;
  let api: InstanceType<typeof Gitlab>;
  const prefix = `gb${backend.slice(0, 2)}${Date.now().toString(36)}`;

  beforeAll(async () => {
    app = await startTestApp({ backend });
    api = new Gitlab({ host: app.url, token: app.rootToken });
    await createBulkUsers(app.api, app.rootToken, prefix, BULK);
  }, 180_000);
  afterAll(() => app?.close());

  it('reads the current user and the metadata', async () => {
    expect(await api.Users.showCurrentUser()).toMatchObject({ username: 'root', is_admin: true });
    expect((await api.Metadata.show()).version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it(`pages through all ${BULK} users (offset pagination), and one page when asked`, async () => {
    const all = await api.Users.all({ search: `${prefix}-bulk-`, perPage: 100 });
    expect(all).toHaveLength(BULK);
    expect(new Set(all.map((u) => u.id)).size).toBe(BULK);
    const { data, paginationInfo } = await api.Users.all({
      search: `${prefix}-bulk-`,
      perPage: 30,
      page: 2,
      maxPages: 1,
      showExpanded: true,
    });
    expect(data).toHaveLength(30);
    expect(paginationInfo).toMatchObject({ total: BULK, totalPages: 9, current: 2, next: 3 });
  });

  it('creates a user with a password, edits it (multipart), blocks and unblocks it', async () => {
    const u = await api.Users.create({
      username: `${prefix}-bob`,
      name: 'Bob',
      email: `${prefix}-bob@example.com`,
      password: 'correct horse battery staple',
      skipConfirmation: true,
    });
    expect(u).toMatchObject({ username: `${prefix}-bob`, state: 'active' });
    expect(u).not.toHaveProperty('password');
    expect(await api.Users.edit(u.id, { name: 'Robert' })).toMatchObject({ name: 'Robert' });
    await api.Users.block(u.id);
    expect(await api.Users.show(u.id)).toMatchObject({ state: 'blocked' });
    await api.Users.unblock(u.id);
    expect(await api.Users.show(u.id)).toMatchObject({ state: 'active' });
    expect((await api.Users.all({ username: `${prefix}-BOB` })).map((x) => x.name)).toEqual([
      'Robert',
    ]);
  });

  it('creates, lists, reads (self) and revokes a personal access token', async () => {
    const u = await api.Users.create({ username: `${prefix}-carol`, name: 'Carol' });
    const t = await api.PersonalAccessTokens.create(u.id, 'ide', ['api', 'ai_features'], {
      expiresAt: '2099-01-01',
    });
    expect(t.token).toEqual(expect.any(String));
    const listed = await api.PersonalAccessTokens.all({ userId: u.id, state: 'active' });
    expect(listed.map((x) => x.name)).toEqual(['ide']);
    const carol = new Gitlab({ host: app.url, token: t.token });
    expect(await carol.PersonalAccessTokens.show()).toMatchObject({ id: t.id, name: 'ide' });
    await api.PersonalAccessTokens.remove({ tokenId: t.id });
    expect(await api.PersonalAccessTokens.all({ userId: u.id, state: 'active' })).toEqual([]);
    await expect(carol.Users.showCurrentUser()).rejects.toThrow();
  });

  it('creates groups and projects, reads them by URL-encoded full path, adds and lists members', async () => {
    const g = await api.Groups.create(`${prefix} Acme`, `${prefix}-acme`);
    const sub = await api.Groups.create('Sub', 'sub', { parentId: g.id });
    expect(await api.Groups.show(`${prefix}-acme/sub`)).toMatchObject({ id: sub.id });
    const p = await api.Projects.create({ name: 'Widgets', namespaceId: sub.id });
    expect(await api.Projects.show(`${prefix}-acme/sub/widgets`)).toMatchObject({ id: p.id });
    expect((await api.Projects.all({ search: 'widgets' })).map((x) => x.id)).toContain(p.id);
    const u = await api.Users.create({ username: `${prefix}-dave`, name: 'Dave' });
    await api.GroupMembers.add(sub.id, AccessLevel.DEVELOPER, { userId: u.id });
    const members = await api.GroupMembers.all(`${prefix}-acme/sub`);
    expect(members.map((m) => [m.username, m.access_level])).toEqual([
      [`${prefix}-dave`, AccessLevel.DEVELOPER],
    ]);
    const groups = await api.Groups.all({ search: `${prefix}-acme` });
    expect(groups.map((x) => x.full_path).sort()).toEqual([`${prefix}-acme`, `${prefix}-acme/sub`]);
  });

  it('pages audit events', async () => {
    const { data, paginationInfo } = await api.AuditEvents.all({
      perPage: 5,
      maxPages: 1,
      showExpanded: true,
    });
    expect(data).toHaveLength(5);
    expect(paginationInfo.total).toBeGreaterThan(5);
  });
});
