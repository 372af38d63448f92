import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { Factory } from '../../support/factories';
import { pythonGitlabAvailable, SYSTEM_PYTHON } from '../../support/clients/python-gitlab';
import { startTestApp, TestApp } from '../../support/test-app';
import { BACKENDS } from '../../support/test-database';
import {
  constraints,
  startUnleashServer,
  strategies,
  UnleashAdmin,
  UnleashTestServer,
  unleashServiceEnv,
} from '../../support/unleash';

// Boots servers and does real I/O (HTTP, database, the python-gitlab CLI once per call).
jest.setTimeout(120_000);

const FLAG = 'code_completion_model_codestral_2508_vertex';
const SCRIPT = path.join(__dirname, '../../support/clients/python_gitlab_features.py');

/** Runs one scenario of python_gitlab_features.py; resolves what each call answered. */
function run(scenario: 'cli' | 'unleash', app: TestApp, user: string) {
  return new Promise<Record<string, any>>((resolve, reject) => {
    execFile(
      SYSTEM_PYTHON,
      [SCRIPT, scenario, app.url, app.rootToken, user],
      { timeout: 110_000, maxBuffer: 4 * 1024 * 1024, env: { PATH: process.env.PATH ?? '' } },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${scenario} failed: ${err.message}\n${stderr}`));
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, any>);
        } catch {
          reject(new Error(`${scenario} printed no JSON:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

beforeAll(() => {
  if (!pythonGitlabAvailable())
    throw new Error('python-gitlab is missing: apt-get install python3-gitlab gitlab-cli');
});

/** Issue #26: force, Flipper's boolean enable, and the CLI's feature list/delete. */
describe.each(BACKENDS)('python-gitlab 3.12 API and CLI: features (%s)', (backend) => {
  let app: TestApp;
  let r: Record<string, any>;
  let userId: number;

  beforeAll(async () => {
    app = await startTestApp({ backend });
    const user = await new Factory(app.api, app.rootToken).user();
    userId = user.id;
    r = await run('cli', app, user.username);
  }, 120_000);
  afterAll(() => app?.close());

  it('an undefined flag is a 404 without force and set with force=True (query string)', () => {
    expect(r['set(undefined)']).toMatchObject({ error: 'GitlabSetError', code: 404 });
    expect(r['set(undefined, force=True)']).toMatchObject({
      name: 'py_forced_flag',
      state: 'on',
    });
    expect(r['cli feature list (forced)']).toMatchObject({ exit: 0 });
    expect(r['cli feature list (forced)'].names).toContain('py_forced_flag');
    expect(r['cli feature delete (forced)']).toMatchObject({ exit: 0 });
    expect(r['list after cli delete']).toBeNull();
  });

  it('value=True for everyone clears the actor and percentage gates (Flipper)', () => {
    expect(r['set(user)'].gates).toContainEqual({ key: 'actors', value: [`User:${userId}`] });
    expect(r['set(25, percentage_of_actors)'].gates).toContainEqual({
      key: 'percentage_of_actors',
      value: 25,
    });
    expect(r['set(True) clears']).toEqual({
      name: FLAG,
      state: 'on',
      gates: [{ key: 'boolean', value: true }],
    });
  });

  it('the CLI lists and deletes; an unknown flag is an error it reports', () => {
    expect(r['cli feature list']).toEqual([
      expect.objectContaining({
        name: FLAG,
        state: 'on',
        gates: [{ key: 'boolean', value: true }],
      }),
    ]);
    expect(r['cli feature delete']).toMatchObject({ exit: 0 });
    expect(r['cli feature delete (unknown)'].exit).not.toBe(0);
    expect(r['cli feature delete (unknown)'].err).toContain('404');
  });
});

const unleashDb = process.env.TEST_UNLEASH_DATABASE_URL;
const unleashSuite = unleashDb ? describe : describe.skip;

/** The same clients in Unleash mode, on a flag holding a strategy made in Unleash itself. */
unleashSuite('python-gitlab 3.12 API and CLI: features in Unleash mode', () => {
  let unleash: UnleashTestServer;
  let app: TestApp;
  let direct: UnleashAdmin;
  let r: Record<string, any>;
  let theirsId: string;
  let strategiesAfter: Record<string, string[]>;

  const names = async () => {
    const env = (await direct.getFeature(FLAG).catch(() => undefined))?.environments?.find(
      (e) => e.name === unleash.environment,
    );
    return (env?.strategies ?? []).map((s) => s.id);
  };

  beforeAll(async () => {
    unleash = await startUnleashServer({ databaseUrl: unleashDb! });
    app = await startTestApp({
      env: { ...unleashServiceEnv(unleash), UNLEASH_REFRESH_INTERVAL_MS: '300' },
    });
    direct = new UnleashAdmin({
      url: unleash.url,
      adminToken: unleash.adminToken,
      environment: unleash.environment,
    });
    const f = new Factory(app.api, app.rootToken);
    const user = await f.user();
    const [theirs] = await direct.createFlag(FLAG, [
      strategies.flexibleRollout({ rollout: 100 }, [constraints.in('userId', ['User:424242'])]),
    ]);
    theirsId = theirs.id;
    const started = Date.now();
    // the poll brings the flag in (300 ms interval)
    while (
      (await app.api.call('GET', `/api/v4/features/${FLAG}`, { token: app.rootToken })).body
        .state !== 'conditional'
    ) {
      if (Date.now() - started > 10_000) throw new Error('the flag never reached the service');
      await new Promise((res) => setTimeout(res, 100));
    }
    r = await run('unleash', app, user.username);
    strategiesAfter = { end: await names() };
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await unleash?.stop();
  });

  it('lists the Unleash-made strategy as such, through the API and the CLI', () => {
    const native = {
      key: 'unleash_strategies',
      value: [
        expect.objectContaining({
          source: 'unleash',
          name: 'flexibleRollout',
          constraints: [
            expect.objectContaining({ contextName: 'userId', values: ['User:424242'] }),
          ],
        }),
      ],
    };
    expect(r.list).toMatchObject({ state: 'conditional' });
    expect(r.list.gates).toContainEqual(native);
    expect(r['cli feature list'][0].gates).toContainEqual(native);
  });

  it('a strategy created in Unleash survives Features API writes', () => {
    expect(r['set(user) merges'].state).toBe('conditional');
    expect(JSON.stringify(r['set(user) merges'].gates)).toContain(theirsId);
    expect(r['set(False)'].state).toBe('off');
    expect(JSON.stringify(r['set(False)'].gates)).toContain(theirsId);
  });

  it('reviving or deleting it is refused with 409 naming it, in the API and the CLI', () => {
    for (const step of ['set(user) refused', 'delete refused']) {
      expect({ step, ...r[step] }).toMatchObject({ step, code: 409 });
      expect(r[step].message).toContain('userId IN [User:424242]');
    }
    expect(r['cli feature delete refused'].exit).not.toBe(0);
    expect(r['cli feature delete refused'].err).toContain('409');
  });

  it('discard_unleash_strategies=True removes it; then the CLI deletes the flag', () => {
    expect(JSON.stringify(r['set(user, discard_unleash_strategies=True)'].gates)).not.toContain(
      'unleash_strategies',
    );
    expect(r['cli feature delete']).toMatchObject({ exit: 0 });
    expect(r['list after delete']).toBeNull();
    expect(strategiesAfter.end).toEqual([]);
  });
});
