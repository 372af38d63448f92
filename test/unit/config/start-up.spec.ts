// The real entry points, spawned as programs: a bad environment stops the start with the config
// error naming the variable (exit 1, one line on stderr), never a stack trace from a library.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

jest.setTimeout(60_000);

const ROOT = path.join(__dirname, '..', '..', '..');

function run(entry: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'ts-entry.js'), entry], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
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

describe('start-up with a bad environment', () => {
  it('switchboard: a bad LOG_LEVEL exits 1 naming LOG_LEVEL, no pino stack trace', async () => {
    const r = await run('src/main.ts', { LOG_LEVEL: 'loud', DATA_DIR: '/nonexistent/never-used' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^switchboard: Invalid configuration:\n {2}LOG_LEVEL: /);
    expect(r.stderr).not.toMatch(/pino|at .*\(/);
  });

  it('switchboard: WORKERS=2 on the embedded database exits 1 before starting any worker', async () => {
    const r = await run('src/main.ts', { WORKERS: '2', DATA_DIR: '/nonexistent/never-used' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^switchboard: Invalid configuration:\n {2}WORKERS: 2 workers need DATABASE_URL \(PostgreSQL\)/,
    );
    expect(r.stderr).toMatch(/WORKERS: 2 workers need REDIS_URL/);
    expect(r.stdout).not.toMatch(/listening/);
  });

  it.each([
    ['STUB_GATEWAY_PORT', 'eighty'],
    ['STUB_GATEWAY_PORT', '70000'],
    ['STUB_GATEWAY_HOST', ''],
    ['STUB_GATEWAY_VERIFY_TOKENS', 'yes'],
    ['STUB_GATEWAY_TRUSTED_ISSUERS', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['STUB_GATEWAY_VALIDATION_DETAIL', 'chatty'],
    // The twin accepts the pinned gateway's models only; extra models from a file are refused.
    ['STUB_GATEWAY_MODELS_FILE', 'config/models.yml'],
  ])('stub gateway: %s=%j exits 1 naming it', async (name, value) => {
    const r = await run('src/stub-gateway/main.ts', { [name]: value });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^stub gateway: Invalid configuration:\\n {2}${name}: `));
    expect(r.stderr).not.toMatch(/at .*\(/);
  });
});
