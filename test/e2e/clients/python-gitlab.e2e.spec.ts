import { startTestApp, TestApp } from '../../support/test-app';
import { BACKENDS } from '../../support/test-database';
import { startUnleashServer, unleashServiceEnv, UnleashTestServer } from '../../support/unleash';
import { pythonGitlabAvailable, runPythonGitlab } from '../../support/clients/python-gitlab';
import { createBulkUsers, createFeatureActors } from '../../support/clients/seed';
import { expectFeatureScenario } from '../../support/clients/feature-scenario';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

const BULK = 250;

beforeAll(() => {
  if (!pythonGitlabAvailable())
    throw new Error(
      'python-gitlab is missing: apt-get install python3-gitlab (CI does, see .ci/run)',
    );
});

/**
 * Issue #12: the python-gitlab an admin already has (Debian's 3.12, unmodified) drives
 * Switchboard: every call of the issue, through the production bootstrap, on both databases.
 */
describe.each(BACKENDS)('python-gitlab 3.12 against Switchboard (%s)', (backend) => {
  let app: TestApp;
  let admin: Record<string, any>;
  const prefix = `py${backend.slice(0, 2)}${Date.now().toString(36)}`;

  beforeAll(async () => {
    app = await startTestApp({ backend });
    await createBulkUsers(app.api, app.rootToken, prefix, BULK);
    admin = await runPythonGitlab('admin', app.url, app.rootToken, prefix);
  }, 180_000);
  afterAll(() => app?.close());

  it('authenticates and reads the version (the exact application/json content type)', () => {
    expect(admin.auth).toEqual({ username: 'root', is_admin: true });
    expect(admin.version[0]).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('creates a user with a password (discarded) and finds it by username, any case', () => {
    expect(admin['users.create']).toMatchObject({
      username: `${prefix}-alice`,
      has_password: false,
    });
    expect(admin['users.get']).toBe(`${prefix}-alice`);
    expect(admin['users.list(username)']).toEqual([`${prefix}-alice`]);
  });

  it(`pages through ${BULK} users: get_all and iterator return exactly ${BULK}, a plain list one page`, () => {
    expect(admin['users.list(search, get_all)']).toEqual({ count: BULK, distinct: BULK });
    expect(admin['users.list(search, iterator)']).toBe(BULK);
    expect(admin['users.list(first page)']).toBe(20);
    expect(admin['users.list(first page):warnings'].join()).toContain(
      'will return a maximum of 20',
    );
    expect(admin['users.list(page 2 of 7)'].page).toHaveLength(7);
    expect(admin['users.list(page 2 of 7)'].same_as_get_all_7_to_13).toBe(true);
  });

  it('blocks and unblocks a user', () => {
    expect(admin['user.block/unblock']).toEqual({
      block: true,
      state: 'blocked',
      blocked_list: [`${prefix}-alice`],
      unblock: true,
      state_after: 'active',
    });
  });

  it('creates, lists, reads (self) and revokes a token; the revoked token stops working', () => {
    expect(admin.tokens).toEqual({
      created: 'ide',
      secret_given: true,
      listed: ['ide'],
      self: 'ide',
      self_auth: `${prefix}-alice`,
      active_after_revoke: 0,
      revoked_listed: true,
      works_after_revoke: false,
    });
  });

  it('creates groups and projects, gets them by full path, adds and lists members, searches', () => {
    expect(admin['groups/projects']).toMatchObject({
      group: `${prefix}-acme`,
      sub_by_path: true,
      project: `${prefix}-acme/sub/widgets`,
      project_by_path: true,
      members: [[`${prefix}-alice`, 30]],
      groups_search: [`${prefix}-acme`, `${prefix}-acme/sub`],
      projects_search: [`${prefix}-acme/sub/widgets`],
    });
  });

  it('buys seats and assigns one (raw http_post/http_get: python-gitlab has no seat manager)', () => {
    expect(admin.seats).toEqual({ add_on: 'duo_pro', listed: [['duo_pro', 1]] });
  });

  it('pages audit events', () => {
    expect(admin.audit_events).toMatchObject({ first_page: 5, user_events: true });
    expect(admin.audit_events.total).toBeGreaterThan(5);
  });

  it('sets every gate kind python-gitlab sends, lists and deletes features', async () => {
    await createFeatureActors(app.api, app.rootToken, `f${prefix}`);
    expectFeatureScenario(await runPythonGitlab('features', app.url, app.rootToken, `f${prefix}`));
  }, 120_000);
});

const unleashDb = process.env.TEST_UNLEASH_DATABASE_URL;
const unleashSuite = unleashDb ? describe : describe.skip;

/** The same features calls with flags in a real Unleash server (polling slowed to a minute, so
 * every answer after a write comes from this instance's read-your-writes, not from a poll). */
unleashSuite('python-gitlab 3.12 features calls in Unleash mode', () => {
  let unleash: UnleashTestServer;
  let app: TestApp;

  beforeAll(async () => {
    unleash = await startUnleashServer({ databaseUrl: unleashDb! });
    app = await startTestApp({
      env: {
        ...unleashServiceEnv(unleash),
        UNLEASH_REFRESH_INTERVAL_MS: '60000',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await unleash?.stop();
  });

  it('sets every gate kind, lists and deletes, each answer reflecting the write before it', async () => {
    const prefix = `un${Date.now().toString(36)}`;
    await createFeatureActors(app.api, app.rootToken, prefix);
    expectFeatureScenario(await runPythonGitlab('features', app.url, app.rootToken, prefix));
  }, 120_000);

  it('answers GET, list and evaluation with a write at once (read-your-writes, no poll in between)', async () => {
    const prefix = `ry${Date.now().toString(36)}`;
    await createFeatureActors(app.api, app.rootToken, prefix);
    const flag = '/api/v4/features/code_completion_model_codestral_2508_vertex';
    const call = (method: string, path: string, body?: unknown) =>
      app.api.call(method, path, { token: app.rootToken, body });
    const evaluate = async () =>
      (await call('GET', `${flag}/evaluate?user=${prefix}-alice`)).body.enabled as boolean;

    expect((await call('POST', flag, { value: true, user: `${prefix}-alice` })).status).toBe(201);
    expect((await call('GET', flag)).body.state).toBe('conditional');
    expect(await evaluate()).toBe(true);
    const listed = (await call('GET', '/api/v4/features')).body as Array<{ name: string }>;
    expect(listed.map((f) => f.name)).toContain('code_completion_model_codestral_2508_vertex');

    expect((await call('DELETE', flag)).status).toBe(204);
    expect((await call('GET', flag)).body.state).toBe('off');
    expect(await evaluate()).toBe(false);
    const after = (await call('GET', '/api/v4/features')).body as Array<{ name: string }>;
    expect(after.map((f) => f.name)).not.toContain('code_completion_model_codestral_2508_vertex');
  }, 60_000);
});
