import { Factory, type UserWithToken } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { BACKENDS } from '../support/test-database';

jest.setTimeout(60_000);

const FLAG = 'code_completion_model_codestral_2508_vertex';

/**
 * The console's dry run of a Features API write: the same request under
 * /api/v4/admin/console/preview refuses exactly what the write refuses (same status, same body),
 * writes nothing, and its effect is what the write then does.
 */
describe.each(BACKENDS)('flag change preview (%s)', (backend) => {
  let app: TestApp;
  let f: Factory;
  let seated: UserWithToken[];
  let unseated: UserWithToken;
  let group: { id: number; full_path: string };
  let project: string;
  const admin = () => ({ token: app.rootToken });
  const preview = (body: Record<string, unknown>, name = FLAG) =>
    app.api.call('POST', `/api/v4/admin/console/preview/features/${name}`, { ...admin(), body });
  const write = (body: Record<string, unknown>, name = FLAG) =>
    app.api.call('POST', `/api/v4/features/${name}`, { ...admin(), body });
  const auditCount = async () =>
    Number(
      (await app.api.call('GET', '/api/v4/audit_events?per_page=1', admin())).headers.get(
        'x-total',
      ),
    );
  const flag = async () => (await app.api.call('GET', `/api/v4/features/${FLAG}`, admin())).body;
  const enabledFor = async (u: UserWithToken) =>
    (await app.api.call('GET', `/api/v4/features/${FLAG}/evaluate?user=${u.username}`, admin()))
      .body.enabled as boolean;

  beforeAll(async () => {
    app = await startTestApp({ backend });
    f = new Factory(app.api, app.rootToken);
    const first = await f.seatedUser();
    group = first.group;
    project = first.project.path_with_namespace;
    seated = [first.user];
    for (let i = 0; i < 5; i++) {
      seated.push((await f.seatedUser({ group, purchaseId: first.purchaseId })).user);
    }
    seated.push((await f.seatedUser()).user); // a seat from another group
    unseated = await f.user();
  }, 60_000);
  afterAll(() => app?.close());
  afterEach(() => app.api.call('DELETE', `/api/v4/features/${FLAG}`, admin()));

  it.each([
    ['unknown users, all named', { value: true, user: 'USER,nosuchuser,nobody' }],
    ['unknown group and project', { value: true, group: 'no-group', project: 'no/project' }],
    ['a percentage above 100', { value: 250 }],
    ['a negative sticky percentage', { value: -5, key: 'percentage_of_actors' }],
    ['a fraction', { value: '12.5' }],
    ['not a number', { value: 'lots' }],
    ['a percentage with a user', { value: 10, user: 'USER' }],
    ['an unknown feature group', { value: true, feature_group: 'everyone' }],
    ['an empty target', { value: true, user: ' , ' }],
    ['an unknown field', { value: true, users: 'USER' }],
  ])('refuses %s with the write’s own 400, and writes nothing', async (_what, raw) => {
    const body = JSON.parse(JSON.stringify(raw).replace('USER', unseated.username)) as Record<
      string,
      unknown
    >;
    const before = await auditCount();
    const dry = await preview(body);
    expect(dry.status).toBe(400);
    expect(await auditCount()).toBe(before);
    const real = await write(body);
    expect({ status: dry.status, body: dry.body }).toEqual({
      status: real.status,
      body: real.body,
    });
    expect(await auditCount()).toBe(before);
  });

  it('names every unknown user, group and project in one answer', async () => {
    const dry = await preview({ value: true, user: `${unseated.username},nosuchuser,nobody` });
    expect(dry.body.error).toBe("user 'nosuchuser', 'nobody' do not exist");
    const mixed = await preview({ value: true, group: 'no-group', project: 'no/project' });
    expect(mixed.body.error).toBe(
      "group 'no-group' does not exist; project 'no/project' does not exist",
    );
  });

  it('a flag with no definition: the write’s 404', async () => {
    const dry = await preview({ value: true }, 'no_such_flag');
    const real = await write({ value: true }, 'no_such_flag');
    expect(dry.status).toBe(404);
    expect(dry.body).toEqual(real.body);
    const gone = await app.api.call(
      'DELETE',
      '/api/v4/admin/console/preview/features/no_such_flag',
      admin(),
    );
    expect(gone.status).toBe(404);
  });

  it('admins only', async () => {
    const r = await app.api.call('POST', `/api/v4/admin/console/preview/features/${FLAG}`, {
      token: unseated.token,
      body: { value: true },
    });
    expect(r.status).toBe(403);
  });

  it('users: counts the ones with a seat and names the ones without', async () => {
    const dry = await preview({ value: true, user: `${unseated.username},${seated[0].username}` });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      flag: FLAG,
      state_before: 'off',
      state_after: 'conditional',
      seated_users: 7,
      on_before: 0,
      on_after: 1,
      unseated_users: [unseated.username],
    });
    expect(dry.body.effect).toBe(
      `on for 1 of the 7 users with a seat (was 0); ${unseated.username} has no seat (no suggestions either way)`,
    );
    expect((await flag()).state).toBe('off'); // nothing written
    const alone = await preview({ value: true, user: unseated.username });
    expect(alone.body.effect).toMatch(/^on for none of the 7 users with a seat \(unchanged\)/);
  });

  it('a group reaches the users whose seat it gives; a project is an estimate of its members', async () => {
    const dry = await preview({ value: true, group: group.full_path });
    expect(dry.body).toMatchObject({ on_before: 0, on_after: 6 });
    expect(dry.body.effect).toBe('on for 6 of the 7 users with a seat (was 0)');
    const p = await preview({ value: true, project });
    expect(p.body.on_after).toBe(0);
    expect(p.body.effect).toContain(`and for requests made in ${project} (about 6 of the 7`);
  });

  it('a sticky percentage: exactly the seated users the write then turns it on for', async () => {
    for (const pct of [10, 50, 90]) {
      const dry = await preview({ value: pct, key: 'percentage_of_actors' });
      expect(dry.status).toBe(200);
      expect((await write({ value: pct, key: 'percentage_of_actors' })).status).toBe(201);
      const on = (await Promise.all(seated.map(enabledFor))).filter(Boolean).length;
      expect({ pct, on: dry.body.on_after }).toEqual({ pct, on });
      expect(dry.body.effect).toContain(`${pct}% of users, the same ones on every request`);
    }
  });

  it('percentage of requests, everyone, and back to the default', async () => {
    const time = await preview({ value: 30 });
    expect(time.body.effect).toBe(
      'on for none of the 7 users with a seat (unchanged); and 30% of the requests of every user with a seat, chosen per request',
    );
    const on = await preview({ value: true });
    expect(on.body.effect).toBe('on for all 7 users with a seat (was 0)');
    await write({ value: true });
    const back = await app.api.call(
      'DELETE',
      `/api/v4/admin/console/preview/features/${FLAG}`,
      admin(),
    );
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ state_before: 'on', state_after: 'off', on_after: 0 });
    expect(back.body.effect).toBe(
      'back to the default (off): on for none of the 7 users with a seat (was 7)',
    );
    expect((await flag()).state).toBe('on');
    // a percentage on a fully-on flag is refused by the preview as by the write
    const refused = await preview({ value: 20, key: 'percentage_of_actors' });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual((await write({ value: 20, key: 'percentage_of_actors' })).body);
  });
});
