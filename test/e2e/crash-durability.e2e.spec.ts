import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Api, ROOT_TOKEN } from '../support/test-app';
import { Backend, BACKENDS, createPostgresDatabase } from '../support/test-database';

/**
 * kill -9 during writes (issue #14): the service runs as a real child process (src/main.ts, as
 * the start-up spec spawns it), takes concurrent admin writes (a user, then a token for it), is
 * SIGKILLed mid-stream, restarted on the same data, and every write it acknowledged (201) is
 * there: the user by name, the token by authenticating with it. Twice per backend.
 */
const ROOT = path.join(__dirname, '..', '..');
const KILLS = 2;
const WRITERS = 6;

// Hooks (start, stop, dropping a database) too: generous on a loaded machine.
jest.setTimeout(60_000);

interface Service {
  proc: ChildProcess;
  api: Api;
}

function startService(env: Record<string, string>): Promise<Service> {
  const proc = spawn(
    process.execPath,
    [path.join(ROOT, 'test/unit/config/ts-entry.js'), 'src/main.ts'],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        INITIAL_ROOT_TOKEN: ROOT_TOKEN,
        DEMO_DATA: 'never',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`service did not start: ${err.slice(-2000)}`));
    }, 90_000);
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*switchboard listening/.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout.removeAllListeners('data');
        proc.stdout.resume();
        resolve({ proc, api: new Api(m[1]) });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code}) before listening: ${err.slice(-2000)}`));
    });
  });
}

function kill9(svc: Service): Promise<void> {
  return new Promise((resolve) => {
    if (svc.proc.exitCode !== null || svc.proc.signalCode !== null) return resolve();
    svc.proc.once('exit', () => resolve());
    svc.proc.kill('SIGKILL');
  });
}

interface Acked {
  username: string;
  token?: string;
}

describe.each(BACKENDS)('kill -9 during writes (%s)', (backend: Backend) => {
  let dataDir: string;
  let pg: { url: string; drop(): Promise<void> } | undefined;
  let svc: Service | undefined;
  const env = () => ({ DATA_DIR: dataDir, ...(pg ? { DATABASE_URL: pg.url } : {}) });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-crash-'));
    if (backend === 'postgres') pg = await createPostgresDatabase();
  });
  afterAll(async () => {
    if (svc) await kill9(svc);
    await pg?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`finds every acknowledged write after ${KILLS} kills`, async () => {
    const acked: Acked[] = [];
    let attempted = 0;
    for (let round = 0; round < KILLS; round++) {
      svc = await startService(env());
      const api = svc.api;
      let stop = false;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const username = `k${backend[0]}${round}w${w}n${i}`;
          attempted++;
          try {
            const u = await api.call('POST', '/api/v4/users', {
              token: ROOT_TOKEN,
              body: { username, name: username },
            });
            if (u.status !== 201) continue;
            const entry: Acked = { username };
            acked.push(entry);
            const t = await api.call('POST', `/api/v4/users/${u.body.id}/personal_access_tokens`, {
              token: ROOT_TOKEN,
              body: { name: 'crash', scopes: ['read_api'] },
            });
            if (t.status === 201) entry.token = t.body.token as string;
          } catch {
            return; // the process is gone: whatever was not acknowledged may be lost
          }
        }
      };
      const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
      const target = acked.length + 40;
      const started = Date.now();
      while (acked.length < target && Date.now() - started < 30_000) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await kill9(svc); // mid-stream: writers have requests in flight
      stop = true;
      await Promise.all(writers);
    }

    svc = await startService(env());
    const lost: string[] = [];
    for (const a of acked) {
      const found = await svc.api.call('GET', `/api/v4/users?username=${a.username}`, {
        token: ROOT_TOKEN,
      });
      if (found.status !== 200 || found.body.length !== 1) lost.push(a.username);
      if (a.token) {
        const me = await svc.api.call('GET', '/api/v4/user', { token: a.token });
        if (me.status !== 200 || me.body.username !== a.username) lost.push(`${a.username} token`);
      }
    }
    console.log(
      `kill -9 (${backend}, ${new Date().toISOString()}): ${JSON.stringify({ kills: KILLS, attempted, acknowledged: acked.length, tokens: acked.filter((a) => a.token).length, lost: lost.length })}`,
    );
    expect(acked.length).toBeGreaterThanOrEqual(KILLS * 40);
    expect(lost).toEqual([]);
  }, 300_000);
});
