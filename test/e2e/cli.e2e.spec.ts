import { adminCommands } from '../../src/cli/admin-commands';
import { identityCommands } from '../../src/cli/identity-commands';
import { runCliCaptured } from '../support/cli';
import { startTestApp, TestApp } from '../support/test-app';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

describe('npm run cli against a running instance (ChatOps form)', () => {
  let app: TestApp;
  const cli = async (...argv: string[]) => {
    const r = await runCliCaptured(argv, {
      SWITCHBOARD_URL: app.url,
      SWITCHBOARD_TOKEN: app.rootToken,
    });
    return { ...r, out: r.out ? JSON.parse(r.out === 'ok\n' ? '"ok"' : r.out) : undefined };
  };

  beforeAll(async () => {
    app = await startTestApp();
  }, 60_000);
  afterAll(() => app?.close());

  it('provisions a user with a seat and a token', async () => {
    const user = await cli('user', 'create', '--username=alice', '--name=Alice');
    expect(user).toMatchObject({ code: 0, out: { username: 'alice' } });
    const token = await cli(
      'token',
      'create',
      '--user=alice',
      '--name=ide',
      '--scopes=api,ai_features',
    );
    expect(token.out.token).toMatch(/^glpat-/);
    const group = await cli('group', 'create', '--name=acme', '--path=acme');
    expect((await cli('group', 'add-member', String(group.out.id), '--user=alice')).code).toBe(0);
    const purchase = await cli(
      'seat',
      'purchase',
      String(group.out.id),
      '--add-on=duo_pro',
      '--quantity=1',
    );
    expect(
      (await cli('seat', 'assign', String(group.out.id), String(purchase.out.id), '--user=alice'))
        .code,
    ).toBe(0);
    const settings = await cli('settings', 'set', 'disabled_direct_code_suggestions=true');
    expect(settings.out.disabled_direct_code_suggestions).toBe(true);
  });

  it('offboards: deactivate, activate, remove from a group, rotate a token, delete (issue #26)', async () => {
    expect((await cli('user', 'create', '--username=olive', '--admin=yes')).out.is_admin).toBe(
      true,
    );
    const bad = await cli('user', 'create', '--username=olive2', '--admin=maybe');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('admin is invalid');
    const token = await cli('token', 'create', '--user=olive', '--name=ci');
    expect((await cli('user', 'deactivate', 'olive')).code).toBe(0);
    const off = await app.api.call('GET', '/api/v4/user', { token: token.out.token });
    expect(off.status).toBe(401);
    expect((await cli('user', 'activate', 'olive')).code).toBe(0);
    const rotated = await cli('token', 'rotate', String(token.out.id));
    expect(rotated.out.token).toMatch(/^glpat-/);
    const group = await cli('group', 'create', '--name=offb', '--path=offb');
    const gid = String(group.out.id);
    expect((await cli('group', 'add-member', gid, '--user=olive')).out.username).toBe('olive');
    expect((await cli('group', 'remove-member', gid, '--user=olive')).code).toBe(0);
    const members = await app.api.call('GET', `/api/v4/groups/${gid}/members`, {
      token: app.rootToken,
    });
    expect(members.body).toEqual([]);
    expect((await cli('user', 'delete', 'olive')).code).toBe(0);
    expect((await cli('user', 'list', '--username=olive')).out).toEqual([]);
    expect((await cli('group', 'delete', gid)).out).toEqual({ message: '202 Accepted' });
  });

  it('user list and group list print every row, not the first page of 20', async () => {
    for (let i = 0; i < 110; i++) {
      const made = await app.api.call('POST', '/api/v4/users', {
        token: app.rootToken,
        body: { username: `many${i}`, name: `Many ${i}`, email: `many${i}@example.com` },
      });
      expect(made.status).toBe(201);
    }
    const listed = await app.api.call('GET', '/api/v4/users?per_page=1', { token: app.rootToken });
    const total = Number(listed.headers.get('x-total'));
    expect(total).toBeGreaterThan(110); // two pages of 100 at least: the CLI must follow them
    const users = await cli('user', 'list');
    expect(users.code).toBe(0);
    expect(users.out).toHaveLength(total);
    expect(new Set(users.out.map((u: { id: number }) => u.id)).size).toBe(total);
    const groups = await cli('group', 'list');
    expect(groups.code).toBe(0);
    expect(Array.isArray(groups.out)).toBe(true);
  });

  it('feature set/get/delete map onto the Features API as ChatOps does', async () => {
    expect(
      (await cli('feature', 'set', 'code_completion_model_codestral_2508_vertex', '25')).out.gates,
    ).toContainEqual({ key: 'percentage_of_time', value: 25 });
    expect(
      (await cli('feature', 'set', 'code_completion_model_codestral_2508_vertex', '10', '--actors'))
        .out.gates,
    ).toContainEqual({
      key: 'percentage_of_actors',
      value: 10,
    });
    const actors = await cli(
      'feature',
      'set',
      'code_completion_model_codestral_2508_vertex',
      'true',
      '--user=alice',
      '--group=acme',
    );
    expect(actors.out.gates.find((g: { key: string }) => g.key === 'actors').value).toHaveLength(2);
    expect(
      (await cli('feature', 'get', 'code_completion_model_codestral_2508_vertex')).out.state,
    ).toBe('conditional');
    const evaluated = await cli(
      'feature',
      'evaluate',
      'code_completion_model_codestral_2508_vertex',
      '--user=alice',
    );
    expect(evaluated.out).toMatchObject({ enabled: true, gate: 'actors' });
    expect(
      (await cli('feature', 'delete', 'code_completion_model_codestral_2508_vertex')).code,
    ).toBe(0);
    expect(
      (await cli('feature', 'get', 'code_completion_model_codestral_2508_vertex')).out.state,
    ).toBe('off');
  });

  it('clear errors: unknown flag, bad value, unknown command, missing option', async () => {
    const unknown = await cli('feature', 'set', 'no_such_flag', 'true');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('404');
    const bad = await cli('feature', 'set', 'code_completion_model_codestral_2508_vertex', 'maybe');
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.err).toContain('value must be true, false or a percentage');
    expect((await cli('frobnicate', 'now')).code).toBe(2);
    expect((await cli('user', 'create')).err).toContain('--username is required');
  });

  it('refuses a misspelt option instead of ignoring it (it would widen a rollout)', async () => {
    // A beta flag, off by default: taken as a plain `set … true`, the typo would turn it on for all.
    const flag = 'code_completion_model_codestral_2508_vertex';
    expect((await cli('feature', 'get', flag)).out.state).toBe('off');
    const typo = await cli('feature', 'set', flag, 'true', '--usr=demo');
    expect(typo.code).toBe(2);
    expect(typo.err).toContain("unknown option --usr for 'feature set'");
    expect(typo.err).toContain('--user');
    expect((await cli('feature', 'get', flag)).out.state).toBe('off');
  });

  it('every command refuses options it does not know, before calling the API', async () => {
    for (const command of Object.keys({ ...identityCommands, ...adminCommands })) {
      const r = await cli(...command.split(' '), 'x', '--no-such-option=1');
      expect({ command, code: r.code }).toEqual({ command, code: 2 });
      expect(r.err).toContain(`unknown option --no-such-option for '${command}'`);
    }
  });

  it('rotates the signing key: by default it signs a day (+ our publication delay) later', async () => {
    const before = await cli('keys', 'list');
    const started = Date.now();
    const rotated = await cli('keys', 'rotate');
    expect(rotated.code).toBe(0);
    expect(rotated.out.previous_kid).toBe(
      before.out.find((k: { active: boolean }) => k.active).kid,
    );
    const delay = Date.parse(rotated.out.activates_at) - started;
    expect(delay).toBeGreaterThanOrEqual((86_400 + 305) * 1000 - 1000);
    expect(delay).toBeLessThan((86_400 + 305) * 1000 + 10_000);
    expect(rotated.out).toMatchObject({ immediate: false, warning: null });
  });

  it('keys rotate --activate-in-seconds stages the new key, never below the gateway cache', async () => {
    const started = Date.now();
    const staged = await cli('keys', 'rotate', '--activate-in-seconds=172800');
    expect(staged.code).toBe(0);
    const delay = Date.parse(staged.out.activates_at) - started;
    expect(delay).toBeGreaterThan(172_790_000);
    expect(delay).toBeLessThan(172_810_000);
    const tooSoon = await cli('keys', 'rotate', '--activate-in-seconds=3600');
    expect(tooSoon.code).not.toBe(0);
    expect(tooSoon.err).toContain('GATEWAY_JWKS_CACHE_SECONDS');
    expect((await cli('keys', 'rotate', '--immediate=later')).code).toBe(2);
    expect((await cli('keys', 'rotate', '--activate-in-seconds=soon')).code).toBe(2);
  });

  it('keys rotate --immediate signs at once and names the gateway that refuses until it refetches', async () => {
    const rotated = await cli('keys', 'rotate', '--immediate');
    expect(rotated.code).toBe(0);
    const active = (await cli('keys', 'list')).out.find((k: { active: boolean }) => k.active);
    expect(active.kid).toBe(rotated.out.kid);
    expect(rotated.out.immediate).toBe(true);
    expect(rotated.out.gateways_may_refuse).toHaveLength(1);
    expect(rotated.out.warning).toContain(`the gateway at ${rotated.out.gateways_may_refuse[0]}`);
  });
});
