import { Factory } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { createPostgresDatabase } from '../support/test-database';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

const FLAG = 'code_completion_model_codestral_2508_vertex';

describe('Features API on the embedded store', () => {
  let app: TestApp;
  let f: Factory;
  const admin = () => ({ token: app.rootToken });

  beforeAll(async () => {
    app = await startTestApp();
    f = new Factory(app.api, app.rootToken);
  }, 60_000);
  afterAll(() => app?.close());
  afterEach(() => app.api.call('DELETE', `/api/v4/features/${FLAG}`, admin()));

  const evaluate = async (username: string) =>
    (await app.api.call('GET', `/api/v4/features/${FLAG}/evaluate?user=${username}`, admin())).body;

  it('sets a flag for an actor the way python-gitlab sends it, and the decision changes', async () => {
    const { user } = await f.seatedUser();
    expect((await evaluate(user.username)).enabled).toBe(false);
    const set = await app.api.call('POST', `/api/v4/features/${FLAG}`, {
      ...admin(),
      body: { value: true, user: user.username },
    });
    expect(set.status).toBe(201);
    expect(set.body).toMatchObject({
      name: FLAG,
      state: 'conditional',
      gates: [
        { key: 'boolean', value: false },
        { key: 'actors', value: [`User:${user.id}`] },
      ],
    });
    expect(set.body.definition).toMatchObject({ type: 'beta', default_enabled: false });
    expect(await evaluate(user.username)).toMatchObject({ enabled: true, gate: 'actors' });
  });

  it('a group actor matches the users who have a seat from that group', async () => {
    const { user, group } = await f.seatedUser();
    const other = await f.seatedUser();
    await f.setFlag(FLAG, { value: true, group: group.full_path });
    expect(await evaluate(user.username)).toMatchObject({ enabled: true, gate: 'actors' });
    expect((await evaluate(other.user.username)).enabled).toBe(false);
  });

  it('form-encoded bodies and percentages: bare N is percentage_of_time, key selects actors', async () => {
    const form = await app.api.call('POST', `/api/v4/features/${FLAG}`, {
      ...admin(),
      raw: 'value=30&key=percentage_of_actors',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.body.gates).toContainEqual({ key: 'percentage_of_actors', value: 30 });
    const time = await f.setFlag(FLAG, { value: 5 });
    expect(time.gates).toContainEqual({ key: 'percentage_of_time', value: 5 });
    const list = await app.api.call('GET', '/api/v4/features', admin());
    expect(list.body.find((x: { name: string }) => x.name === FLAG).state).toBe('conditional');
  });

  it('global on/off, and false clears every gate', async () => {
    expect((await f.setFlag(FLAG, { value: true })).state).toBe('on');
    const off = await f.setFlag(FLAG, { value: false });
    expect(off).toMatchObject({ state: 'off', gates: [{ key: 'boolean', value: false }] });
  });

  it('DELETE returns the flag to its definition default', async () => {
    await f.setFlag('ai_duo_code_suggestions_switch', { value: false });
    expect(
      (await app.api.call('GET', '/api/v4/features/ai_duo_code_suggestions_switch', admin())).body
        .state,
    ).toBe('off');
    const del = await app.api.call(
      'DELETE',
      '/api/v4/features/ai_duo_code_suggestions_switch',
      admin(),
    );
    expect(del.status).toBe(204);
    expect(
      (await app.api.call('GET', '/api/v4/features/ai_duo_code_suggestions_switch', admin())).body
        .state,
    ).toBe('on');
  });

  it.each([
    [{ value: 101 }, 'value must be between 0 and 100'],
    [{ value: -1 }, 'value must be between 0 and 100'],
    [{ value: 'maybe' }, 'value must be true, false or an integer percentage'],
    [
      { value: 10, user: 'root' },
      'value must be true or false when user, group, namespace, project or feature_group is given',
    ],
    [{ value: true, user: 'nobody-here' }, "user 'nobody-here' does not exist"],
    [{ value: true, group: 'no/such/group' }, "group 'no/such/group' does not exist"],
    [{ value: true, project: 'no/such' }, "project 'no/such' does not exist"],
    [
      { value: true, feature_group: 'martians' },
      "feature_group 'martians' is not a known feature group (gitlab_team_members)",
    ],
    [{ value: true, key: 'percentage_of_actors' }, 'key is only valid with a percentage value'],
    [{}, 'value is missing'],
  ])('400 naming the field: %j', async (body, error) => {
    const r = await app.api.call('POST', `/api/v4/features/${FLAG}`, { ...admin(), body });
    expect(r).toMatchObject({ status: 400, body: { error } });
  });

  it('404 naming an undefined flag, and only admins may change flags', async () => {
    const r = await app.api.call('POST', '/api/v4/features/made_up_flag', {
      ...admin(),
      body: { value: true },
    });
    expect(r.status).toBe(404);
    expect(r.body.message).toContain("'made_up_flag'");
    expect(r.body.message).toContain('config/feature_flags');
    const dev = await f.user();
    expect(
      (
        await app.api.call('POST', `/api/v4/features/${FLAG}`, {
          token: dev.token,
          body: { value: true },
        })
      ).status,
    ).toBe(403);
  });

  it('feature group gitlab_team_members follows membership of TEAM_MEMBERS_GROUP', async () => {
    const team = await app.api.call('POST', '/api/v4/groups', {
      ...admin(),
      body: { name: 'gitlab-org', path: 'gitlab-org' },
    });
    const { user } = await f.seatedUser();
    await f.member(team.body.id, user.id);
    await f.setFlag(FLAG, { value: true, feature_group: 'gitlab_team_members' });
    expect(await evaluate(user.username)).toMatchObject({ enabled: true, gate: 'groups' });
  });

  it('a target that is given but empty is a 400 naming it, not "everyone"', async () => {
    for (const field of ['user', 'group', 'namespace', 'project', 'feature_group']) {
      for (const empty of ['', ' , ', ',']) {
        const res = await app.api.call('POST', `/api/v4/features/${FLAG}`, {
          ...admin(),
          body: { value: true, [field]: empty },
        });
        expect({ field, empty, status: res.status }).toEqual({ field, empty, status: 400 });
        expect(res.body.message ?? res.body.error).toMatch(new RegExp(`^${field} `));
      }
    }
    const got = await app.api.call('GET', `/api/v4/features/${FLAG}`, admin());
    expect(got.body.state).toBe('off');
  });

  it('merges query parameters into the body as GitLab does (python-gitlab sends key= there)', async () => {
    const viaQuery = await app.api.call(
      'POST',
      `/api/v4/features/${FLAG}?key=percentage_of_actors`,
      { ...admin(), body: { value: 30 } },
    );
    expect(viaQuery.status).toBe(201);
    expect(viaQuery.body.gates).toContainEqual({ key: 'percentage_of_actors', value: 30 });
    expect(JSON.stringify(viaQuery.body.gates)).not.toContain('percentage_of_time');

    const onlyQuery = await app.api.call(
      'POST',
      `/api/v4/features/${FLAG}?value=40&key=percentage_of_actors`,
      admin(),
    );
    expect(onlyQuery.body.gates).toContainEqual({ key: 'percentage_of_actors', value: 40 });

    const same = await app.api.call('POST', `/api/v4/features/${FLAG}?value=50`, {
      ...admin(),
      body: { value: 50, key: 'percentage_of_actors' },
    });
    expect(same.status).toBe(201);

    const conflict = await app.api.call('POST', `/api/v4/features/${FLAG}?value=10`, {
      ...admin(),
      body: { value: 60, key: 'percentage_of_actors' },
    });
    expect(conflict.status).toBe(400);
    expect(conflict.body.message ?? conflict.body.error).toMatch(
      /^value .*query string and the body/,
    );
    const got = await app.api.call('GET', `/api/v4/features/${FLAG}`, admin());
    expect(got.body.gates).toContainEqual({ key: 'percentage_of_actors', value: 50 });
  });

  it('every change writes an audit event with before and after', async () => {
    await f.setFlag(FLAG, { value: 40, key: 'percentage_of_actors' });
    const audit = await app.api.call(
      'GET',
      `/api/v4/audit_events?entity_type=FeatureFlag&entity_id=${FLAG}`,
      admin(),
    );
    expect(audit.body[0]).toMatchObject({
      author_name: 'root',
      event_name: 'feature_flag_conditional',
      details: {
        after: { gates: expect.arrayContaining([{ key: 'percentage_of_actors', value: 40 }]) },
      },
    });
  });

  it('Flipper: value=true for everyone clears the actor and percentage gates, in the answer and the store', async () => {
    const { user } = await f.seatedUser();
    await f.setFlag(FLAG, { value: true, user: user.username });
    await f.setFlag(FLAG, { value: 20, key: 'percentage_of_actors' });
    const on = await f.setFlag(FLAG, { value: true });
    expect(on.gates).toEqual([{ key: 'boolean', value: true }]);
    const got = await app.api.call('GET', `/api/v4/features/${FLAG}`, admin());
    expect(got.body).toMatchObject({ state: 'on', gates: [{ key: 'boolean', value: true }] });
    // and off again stays off for the actor that had been listed
    await f.setFlag(FLAG, { value: false });
    expect((await evaluate(user.username)).enabled).toBe(false);
  });

  it('force (GitLab: skip validation such as a YAML definition) sets an undefined flag, audited', async () => {
    const name = `forced_flag_${Date.now().toString(36)}`;
    const path = `/api/v4/features/${name}`;
    expect((await app.api.call('POST', path, { ...admin(), body: { value: true } })).status).toBe(
      404,
    );
    // python-gitlab sends force=True in the query string (Grape's Boolean)
    const set = await app.api.call('POST', `${path}?force=True`, {
      ...admin(),
      body: { value: true },
    });
    expect(set.status).toBe(201);
    expect(set.body).toMatchObject({ name, state: 'on', definition: null });
    const form = await app.api.call('POST', path, {
      ...admin(),
      raw: 'value=25&key=percentage_of_actors&force=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(400); // a percentage on a fully-on flag, as in GitLab
    expect((await app.api.call('GET', path, admin())).body).toMatchObject({ name, state: 'on' });
    const listed = (await app.api.call('GET', '/api/v4/features', admin())).body as Array<{
      name: string;
    }>;
    expect(listed.map((x) => x.name)).toContain(name);
    const audit = await app.api.call(
      'GET',
      `/api/v4/audit_events?entity_type=FeatureFlag&entity_id=${name}`,
      admin(),
    );
    expect(audit.body[0]).toMatchObject({
      event_name: 'feature_flag_on',
      details: { after: { force: true, gates: [{ key: 'boolean', value: true }] } },
    });
    const bad = await app.api.call('POST', '/api/v4/features/Not-Snake?force=true', {
      ...admin(),
      body: { value: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^name /);
    expect((await app.api.call('DELETE', path, admin())).status).toBe(204);
    expect((await app.api.call('GET', path, admin())).status).toBe(404);
  });

  it.each(['True', 'yes', 't', 'maybe'])(
    'force=%s is read as Grape reads a Boolean (in the JSON body)',
    async (force) => {
      const res = await app.api.call('POST', `/api/v4/features/${FLAG}`, {
        ...admin(),
        body: { value: true, force },
      });
      if (force === 'maybe') expect(res.body).toEqual({ error: 'force is invalid' });
      else expect(res.status).toBe(201);
    },
  );
});

const pgOnly = process.env.TEST_DATABASE_URL ? describe : describe.skip;

pgOnly('embedded store across two instances on one PostgreSQL', () => {
  it('a change made on one instance is seen by the other within a few 500 ms polls', async () => {
    const db = await createPostgresDatabase();
    // Instances sharing a database share the signing-key secret (as in production).
    const env = {
      DATABASE_URL: db.url,
      FLAGS_POLL_INTERVAL_MS: '500',
      SIGNING_KEY_SECRET: 'a-shared-test-secret-of-at-least-32-chars',
    };
    const a = await startTestApp({ env });
    const b = await startTestApp({ env: { ...env, INITIAL_ROOT_TOKEN: a.rootToken } });
    try {
      const read = async () =>
        (
          await b.api.call(
            'GET',
            '/api/v4/features/ai_duo_code_suggestions_switch/evaluate?user=root',
            { token: b.rootToken },
          )
        ).body.enabled;
      expect(await read()).toBe(true);
      await a.api.call('POST', '/api/v4/features/ai_duo_code_suggestions_switch', {
        token: a.rootToken,
        body: { value: false },
      });
      // timed from the answer to the change (a loaded machine may be slow to give it); 3 s is
      // six poll intervals: room for slow reads, still short of any cache or stale-data delay
      const started = Date.now();
      while ((await read()) !== false) {
        if (Date.now() - started > 10_000) throw new Error('instance b never saw the change');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await b.running.close();
      await a.running.close();
      await db.drop();
    }
  }, 60_000);
});
