import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bootstrap } from '../../src/bootstrap';
import { runCli } from '../../src/cli/run-cli';
import { PortInUseError } from '../../src/common/net/free-port';
import { startTestApp, TestApp } from '../support/test-app';

// Boots servers and does real I/O (HTTP, database).
jest.setTimeout(60_000);

/** Issue #26, the front door: a second instance on a busy port, and the CLI's 401. */
describe('front door', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  }, 60_000);
  afterAll(() => app?.close());

  it('a second instance on a busy PORT stops before writing anything, naming PORT', async () => {
    const port = new URL(app.url).port;
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-busy-')), 'data');
    const second = bootstrap({
      env: {
        NODE_ENV: 'test',
        PORT: port,
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        DEMO_DATA: 'auto',
      },
    });
    await expect(second).rejects.toThrow(PortInUseError);
    await expect(second).rejects.toThrow(
      new RegExp(`^PORT ${port} on 127\\.0\\.0\\.1 is already in use`),
    );
    // no embedded database, no demo data, no "shown once" tokens: nothing was created
    expect(fs.existsSync(dataDir)).toBe(false);
    fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('the CLI with a wrong token says which variable to check', async () => {
    let err = '';
    const code = await runCli(['user', 'list'], {
      out: () => undefined,
      err: (t) => (err += t),
      env: { SWITCHBOARD_URL: app.url, SWITCHBOARD_TOKEN: 'glpat-not-a-real-token-at-all' },
    });
    expect(code).toBe(1);
    expect(err).toContain('HTTP 401');
    expect(err).toContain('SWITCHBOARD_TOKEN');
  });
});
