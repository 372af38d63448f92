import { startTestApp, TestApp } from '../../support/test-app';
import { BACKENDS } from '../../support/test-database';
import { pythonGitlabAvailable } from '../../support/clients/python-gitlab';
import {
  CliAnswer,
  gitlabCli,
  gitlabCliAvailable,
  runPythonGitlabFlows,
} from '../../support/clients/python-gitlab-cli';

// Boots servers, runs python-gitlab processes (each a second or so of Python start-up).
jest.setTimeout(120_000);

beforeAll(() => {
  if (!pythonGitlabAvailable() || !gitlabCliAvailable())
    throw new Error(
      'python-gitlab is missing: apt-get install python3-gitlab gitlab-cli (CI does, see .ci/run)',
    );
});

const today = () => new Date().toISOString().slice(0, 10);

/**
 * Issue #26: the admin flows of python-gitlab 3.12, unmodified, through its Python API and its
 * CLI (`python-gitlab`, Debian gitlab-cli), on both databases.
 */
describe.each(BACKENDS)('python-gitlab admin flows (%s)', (backend) => {
  let app: TestApp;
  let flows: Record<string, any>;
  const prefix = `fl${backend.slice(0, 2)}${Date.now().toString(36)}`;

  beforeAll(async () => {
    app = await startTestApp({ backend });
    flows = await runPythonGitlabFlows(app.url, app.rootToken, prefix);
  }, 180_000);
  afterAll(() => app?.close());

  describe('Python API', () => {
    it('user.save() changes name, email and username (it always sends all three)', () => {
      expect(flows['user.save']).toEqual({
        name: 'Bob Renamed',
        email: `${prefix}-bob2@example.com`,
        username: `${prefix}-robert`,
      });
    });

    it("deactivate stops the user's tokens, activate brings them back; a blocked user is 403", () => {
      expect(flows['user.deactivate/activate']).toEqual({
        deactivate: true,
        state: 'deactivated',
        token_works: false,
        activate: true,
        state_after: 'active',
        token_works_after: true,
      });
      expect(flows['user.activate(blocked)']).toBe(403);
    });

    it('group members: create answers a member; get, save, members/all (inherited) and get', () => {
      expect(flows['group members']).toEqual({
        created: {
          username: `${prefix}-dave`,
          access_level: 30,
          state: 'active',
          has_expires_at: true,
        },
        get: `${prefix}-dave`,
        after_save: 40,
        sub_all: [[`${prefix}-dave`, 40]],
        sub_all_get: 40,
      });
    });

    it("a user's memberships, all and by type", () => {
      expect(flows['user.memberships']).toEqual({
        all: [
          ['Namespace', `${prefix} Acme`],
          ['Project', 'Widgets'],
        ],
        projects: ['Widgets'],
      });
    });

    it('project members: list, get, delete', () => {
      expect(flows['project members']).toEqual({
        listed: [[`${prefix}-dave`, 20]],
        get: 20,
        after_delete: 0,
      });
    });

    it("a group's subgroups and projects (with include_subgroups)", () => {
      expect(flows['group subgroups/projects']).toEqual({
        subgroups: [`${prefix}-acme/sub`],
        projects: [`${prefix}-acme/tools`],
        with_subgroups: [`${prefix}-acme/sub/widgets`, `${prefix}-acme/tools`].sort(),
      });
    });

    it('removing a group member ends the seat that membership gave', () => {
      expect(flows['group member removal (offboarding)']).toEqual({
        seats_before: 1,
        member_after: 404,
        seats_after: 0,
      });
    });

    it('group delete: 409 naming the flag while a gate names the group; then the tree goes, audited', () => {
      expect(flows['group delete']).toEqual({
        refused: { status: 409, names_flag: true },
        subgroup_gone: true,
        event: 'group_deleted',
        event_projects: [`${prefix}-acme/sub/widgets`, `${prefix}-acme/tools`].sort(),
      });
      expect(flows['project delete']).toBe(404);
    });

    it('user delete with hard_delete=True: the user and their tokens are gone', () => {
      expect(flows['user delete']).toEqual({ get_after: 404, token_works: false });
    });

    it('token get and rotate: new secret, old revoked, a week of life', () => {
      expect(flows['token get/rotate']).toEqual({
        get: 'ci',
        new_name: 'ci',
        new_id_differs: true,
        expires_in_a_week: true,
        old_revoked: true,
        old_works: false,
        new_works: true,
      });
    });

    it('audit events: by id, created_after/created_before, all=False', () => {
      expect(flows['audit events']).toEqual({
        get: true,
        recent: true,
        future: 0,
        before_2000: 0,
        all_false: true,
      });
    });

    it('users list: admins, order_by/sort, GitLab default order (id, desc)', () => {
      expect(flows['users list']).toEqual({
        admins_only: true,
        by_username_sorted: true,
        default_id_desc: true,
      });
    });
  });

  describe('GitLab conventions on the new routes (plain HTTP)', () => {
    const call = (method: string, path: string, opts: Record<string, unknown> = {}) =>
      app.api.call(method, path, { token: app.rootToken, ...opts });

    it('writes take form and multipart bodies; booleans in Grape forms; bad ones name the field', async () => {
      const g = await call('POST', '/api/v4/groups', {
        body: { name: 'Conv', path: `${prefix}-conv` },
      });
      const u = await call('POST', '/api/v4/users', {
        raw: new URLSearchParams({
          username: `${prefix}-conv`,
          name: 'Conv',
          admin: 'f',
        }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect([g.status, u.status, u.body.is_admin]).toEqual([201, 201, false]);
      await call('POST', `/api/v4/groups/${g.body.id}/members`, { body: { user_id: u.body.id } });
      const form = await call('PUT', `/api/v4/groups/${g.body.id}/members/${u.body.id}`, {
        raw: 'access_level=40',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form).toMatchObject({ status: 200, body: { id: u.body.id, access_level: 40 } });
      const made = await call('POST', `/api/v4/users/${u.body.id}/personal_access_tokens`, {
        body: { name: 't', scopes: ['api'] },
      });
      const multipart = new FormData();
      multipart.set('expires_at', '2099-01-01');
      const rotated = await fetch(
        `${app.url}/api/v4/personal_access_tokens/${made.body.id}/rotate`,
        {
          method: 'POST',
          headers: { 'private-token': app.rootToken },
          body: multipart,
        },
      );
      expect(rotated.status).toBe(200);
      expect(await rotated.json()).toMatchObject({ expires_at: '2099-01-01', name: 't' });
      const bad = await call('GET', `/api/v4/groups/${g.body.id}/projects?include_subgroups=maybe`);
      expect(bad).toMatchObject({ status: 400, body: { error: 'include_subgroups is invalid' } });
      const yes = await call('GET', `/api/v4/groups/${g.body.id}/projects?include_subgroups=yes`);
      expect(yes.status).toBe(200);
      const del = await call('DELETE', `/api/v4/users/${u.body.id}?hard_delete=t`);
      expect(del.status).toBe(204);
      const again = await call('DELETE', `/api/v4/users/${u.body.id}`);
      expect(again).toMatchObject({ status: 404, body: { message: '404 User Not Found' } });
    });

    it('removing the last membership (a project one) ends the seat, audited', async () => {
      const g = await call('POST', '/api/v4/groups', {
        body: { name: 'Se', path: `${prefix}-se` },
      });
      const p = await call('POST', '/api/v4/projects', {
        body: { name: 'Sp', namespace_id: g.body.id },
      });
      const u = await call('POST', '/api/v4/users', {
        body: { username: `${prefix}-se`, name: 'Se' },
      });
      const m = await call('POST', `/api/v4/projects/${p.body.id}/members`, {
        body: { user_id: u.body.id, access_level: 30 },
      });
      expect(m).toMatchObject({ status: 201, body: { id: u.body.id, username: `${prefix}-se` } });
      const purchase = await call('POST', `/api/v4/groups/${g.body.id}/add_on_purchases`, {
        body: { add_on: 'duo_pro', quantity: 1 },
      });
      const seats = `/api/v4/groups/${g.body.id}/add_on_purchases`;
      await call('POST', `${seats}/${purchase.body.id}/assignments`, {
        body: { user_id: u.body.id },
      });
      expect((await call('GET', seats)).body[0].assigned_quantity).toBe(1);
      const removed = await call('DELETE', `/api/v4/projects/${p.body.id}/members/${u.body.id}`);
      expect(removed.status).toBe(204);
      expect((await call('GET', seats)).body[0].assigned_quantity).toBe(0);
      const audit = await call(
        'GET',
        `/api/v4/audit_events?entity_type=AddOnPurchase&entity_id=${purchase.body.id}`,
      );
      expect(audit.body[0]).toMatchObject({ event_name: 'seat_unassigned' });
    });

    it('new lists page with the X-Total headers and Link', async () => {
      const g = await call('POST', '/api/v4/groups', {
        body: { name: 'Pg', path: `${prefix}-pg` },
      });
      for (const path of ['a', 'b', 'c']) {
        const s = await call('POST', '/api/v4/groups', {
          body: { name: path, path, parent_id: g.body.id },
        });
        expect(s.status).toBe(201);
      }
      const page = await call('GET', `/api/v4/groups/${g.body.id}/subgroups?per_page=2&page=2`);
      expect(page.body.map((x: { path: string }) => x.path)).toEqual(['c']);
      const h = (n: string) => page.headers.get(n);
      expect([
        h('x-total'),
        h('x-total-pages'),
        h('x-page'),
        h('x-prev-page'),
        h('x-next-page'),
      ]).toEqual(['3', '2', '2', '1', '']);
      expect(h('link')).toContain('rel="first"');
      const events = await call('GET', '/api/v4/audit_events?per_page=1&all=False&get_all=False');
      expect([events.status, events.body.length]).toEqual([200, 1]);
      expect(Number(events.headers.get('x-total'))).toBeGreaterThan(1);
    });

    it('a group delete names the flag gate of a project in its tree, and leaves all in place', async () => {
      const g = await call('POST', '/api/v4/groups', {
        body: { name: 'Fl', path: `${prefix}-fl` },
      });
      const p = await call('POST', '/api/v4/projects', {
        body: { name: 'Fp', namespace_id: g.body.id },
      });
      const flag = 'code_completion_model_codestral_2508_vertex';
      const set = await call('POST', `/api/v4/features/${flag}`, {
        body: { value: true, project: p.body.path_with_namespace },
      });
      expect(set.status).toBe(201);
      const refused = await call('DELETE', `/api/v4/groups/${g.body.id}`);
      expect(refused.status).toBe(409);
      expect(refused.body.message).toContain(`${flag} (Project:${p.body.id})`);
      expect((await call('GET', `/api/v4/projects/${p.body.id}`)).status).toBe(200);
      const refusedProject = await call('DELETE', `/api/v4/projects/${p.body.id}`);
      expect(refusedProject.status).toBe(409);
      await call('POST', `/api/v4/features/${flag}`, {
        body: { value: false, project: p.body.path_with_namespace },
      });
      expect((await call('DELETE', `/api/v4/groups/${g.body.id}`)).status).toBe(202);
      expect((await call('GET', `/api/v4/projects/${p.body.id}`)).status).toBe(404);
    });
  });

  describe('python-gitlab CLI', () => {
    let cli: ReturnType<typeof gitlabCli>;
    const ok = (a: CliAnswer) => {
      expect({ code: a.code, stderr: a.stderr }).toEqual({ code: 0, stderr: '' });
      return a.out;
    };
    beforeAll(() => {
      cli = gitlabCli(app.url, app.rootToken);
    });
    afterAll(() => cli?.cleanup());

    it('user create with Grape booleans as strings, update, (de)activate, list, delete', async () => {
      const made = ok(
        await cli.run(
          'user',
          'create',
          '--username',
          `${prefix}-cli`,
          '--name',
          'Cli',
          '--email',
          `${prefix}-cli@example.com`,
          '--skip-confirmation',
          '1',
          '--reset-password',
          'True',
          '--admin',
          'no',
        ),
      );
      expect(made).toMatchObject({ username: `${prefix}-cli`, is_admin: false });
      const id = String(made.id);
      const updated = ok(
        await cli.run(
          'user',
          'update',
          '--id',
          id,
          '--email',
          `${prefix}-cli2@example.com`,
          '--username',
          `${prefix}-cli2`,
          '--name',
          'Cli Two',
        ),
      );
      expect(updated).toMatchObject({ username: `${prefix}-cli2`, name: 'Cli Two' });
      ok(await cli.run('user', 'deactivate', '--id', id));
      expect(ok(await cli.run('user', 'get', '--id', id)).state).toBe('deactivated');
      ok(await cli.run('user', 'activate', '--id', id));
      ok(await cli.run('user', 'block', '--id', id));
      expect(ok(await cli.run('user', 'get', '--id', id)).state).toBe('blocked');
      ok(await cli.run('user', 'unblock', '--id', id));
      // The CLI's list sends ?all=False&page=..; unknown-but-harmless parameters are ignored.
      const listed = ok(await cli.run('user', 'list', '--username', `${prefix}-cli2`));
      expect(listed.map((u: { id: number }) => u.id)).toEqual([made.id]);
      ok(await cli.run('user', 'delete', '--id', id));
      const gone = await cli.run('user', 'get', '--id', id);
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toContain('404');
    });

    it('group members get/update/delete, members-all, memberships, subgroups, projects, deletes', async () => {
      const g = ok(
        await cli.run('group', 'create', '--name', `${prefix} C`, '--path', `${prefix}-c`),
      );
      const s = ok(
        await cli.run('group', 'create', '--name', 'S', '--path', 's', '--parent-id', String(g.id)),
      );
      const p = ok(
        await cli.run('project', 'create', '--name', 'P', '--namespace-id', String(s.id)),
      );
      const u = ok(
        await cli.run(
          'user',
          'create',
          '--username',
          `${prefix}-m`,
          '--name',
          'M',
          '--email',
          `${prefix}-m@example.com`,
        ),
      );
      const [gid, sid, pid, uid] = [g.id, s.id, p.id, u.id].map(String);
      const member = ok(
        await cli.run(
          'group-member',
          'create',
          '--group-id',
          gid,
          '--user-id',
          uid,
          '--access-level',
          '30',
        ),
      );
      expect(member).toMatchObject({ id: u.id, username: `${prefix}-m`, access_level: 30 });
      expect(
        ok(await cli.run('group-member', 'get', '--group-id', gid, '--id', uid)),
      ).toMatchObject({
        access_level: 30,
      });
      ok(
        await cli.run(
          'group-member',
          'update',
          '--group-id',
          gid,
          '--id',
          uid,
          '--access-level',
          '40',
        ),
      );
      const all = ok(await cli.run('group-member-all', 'list', '--group-id', sid));
      expect(all.map((m: any) => [m.id, m.access_level])).toEqual([[u.id, 40]]);
      expect(
        ok(await cli.run('group-member-all', 'get', '--group-id', sid, '--id', uid)),
      ).toMatchObject({
        access_level: 40,
      });
      ok(
        await cli.run(
          'project-member',
          'create',
          '--project-id',
          pid,
          '--user-id',
          uid,
          '--access-level',
          '20',
        ),
      );
      const projectMembers = ok(await cli.run('project-member', 'list', '--project-id', pid));
      expect(projectMembers.map((m: any) => m.id)).toEqual([u.id]);
      const memberships = ok(await cli.run('user-membership', 'list', '--user-id', uid));
      expect(memberships.map((m: any) => m.source_type).sort()).toEqual(['Namespace', 'Project']);
      ok(await cli.run('project-member', 'delete', '--project-id', pid, '--id', uid));
      ok(await cli.run('group-member', 'delete', '--group-id', gid, '--id', uid));
      expect(ok(await cli.run('group-member', 'list', '--group-id', gid))).toEqual([]);
      const subgroups = ok(await cli.run('group-subgroup', 'list', '--group-id', gid));
      expect(subgroups.map((x: any) => x.id)).toEqual([s.id]);
      const projects = ok(await cli.run('group-project', 'list', '--group-id', sid));
      expect(projects.map((x: any) => x.id)).toEqual([p.id]);
      ok(await cli.run('project', 'delete', '--id', pid));
      ok(await cli.run('group', 'delete', '--id', gid));
      expect((await cli.run('group', 'get', '--id', sid)).stderr).toContain('404');
    });

    it('audit-event list (sends all=False), get, created_after/created_before; token list/delete', async () => {
      const events = ok(await cli.run('audit-event', 'list', '--per-page', '3'));
      expect(events).toHaveLength(3);
      expect(ok(await cli.run('audit-event', 'get', '--id', String(events[0].id)))).toMatchObject({
        id: events[0].id,
      });
      const recent = ok(
        await cli.run('audit-event', 'list', '--created-after', today(), '--per-page', '1'),
      );
      expect(recent).toHaveLength(1);
      expect(ok(await cli.run('audit-event', 'list', '--created-before', '2000-01-01'))).toEqual(
        [],
      );
      const bad = await cli.run('audit-event', 'list', '--created-after', 'yesterday');
      expect(bad.stderr).toContain('created_after');
      const made = await app.api.call('POST', '/api/v4/users/1/personal_access_tokens', {
        token: app.rootToken,
        body: { name: `${prefix}-cli-token`, scopes: ['api'] },
      });
      expect(made.status).toBe(201);
      const tokens = ok(await cli.run('personal-access-token', 'list', '--user-id', '1'));
      expect(tokens.map((t: { id: number }) => t.id)).toContain(made.body.id);
      ok(await cli.run('personal-access-token', 'delete', '--id', String(made.body.id)));
      const after = await app.api.call('GET', '/api/v4/user', { token: made.body.token });
      expect(after.status).toBe(401);
    });
  });
});
