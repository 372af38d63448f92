// A start-up refusal (a database that refuses, a DATA_DIR that cannot be written) is one clear
// line on stderr and exit 1, no stack trace, and nothing is written before the checks pass: on
// a fresh PostgreSQL the migrations are not applied, on the embedded database no pgdata is made.
// The real entry point (src/main.ts), spawned as a program, as test/unit/config/start-up.spec.ts.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { createPostgresDatabase } from '../../support/test-database';

jest.setTimeout(60_000);

const ROOT = path.join(__dirname, '..', '..', '..');
const ENTRY = path.join(ROOT, 'test', 'unit', 'config', 'ts-entry.js');

function run(env: Record<string, string>) {
  return new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, [ENTRY, 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

/** One line on stderr naming the problem; no stack frame anywhere. */
function expectOneLineRefusal(
  r: { code: number | null; stderr: string; stdout: string },
  re: RegExp,
) {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(re);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);
  expect(r.stdout).not.toMatch(/listening|migration/i);
}

describe('start-up refusals', () => {
  let scratch: string;
  let notADir: string;
  beforeAll(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-refusal-'));
    notADir = path.join(scratch, 'a-file');
    fs.writeFileSync(notADir, '');
  });
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('a DATA_DIR that is not a writable directory (embedded database): one line, no pgdata', async () => {
    const dataDir = path.join(notADir, 'data');
    const r = await run({ DATA_DIR: dataDir });
    expectOneLineRefusal(r, /^switchboard: DATA_DIR .*a-file\/data is not usable \(ENOTDIR/);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('a database that refuses connections: one line naming DATABASE_URL', async () => {
    const r = await run({
      DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none',
      DATA_DIR: path.join(scratch, 'refused'),
    });
    expectOneLineRefusal(r, /^switchboard: cannot connect to DATABASE_URL: connect ECONNREFUSED/);
  });

  const pg = process.env.TEST_DATABASE_URL ? it : it.skip;
  pg(
    'a fresh PostgreSQL with an unusable DATA_DIR: refused before any migration is applied',
    async () => {
      const db = await createPostgresDatabase();
      try {
        const r = await run({ DATABASE_URL: db.url, DATA_DIR: notADir });
        expectOneLineRefusal(r, /^switchboard: DATA_DIR .*a-file is not usable/);
        const c = new Client({ connectionString: db.url });
        await c.connect();
        const tables = await c.query(
          "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'",
        );
        await c.end();
        expect(tables.rows[0].n).toBe(0);
      } finally {
        await db.drop();
      }
    },
  );
});
