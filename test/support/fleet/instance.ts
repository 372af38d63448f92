/**
 * One Switchboard instance as a program (src/main.ts, transpiled on load like the start-up
 * tests do), with its own primary and WORKERS workers, in its own process group so a SIGKILL
 * takes the whole instance down at once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Api } from '../test-app';
import { freePort } from '../../../src/common/net/free-port';
import { Child, waitFor } from './processes';

/** FLEET_APP_ROOT: run another checkout's service (a before/after drill against main). */
const ROOT = process.env.FLEET_APP_ROOT ?? path.join(__dirname, '..', '..', '..');
const TS_ENTRY = path.join(ROOT, 'test', 'unit', 'config', 'ts-entry.js');

export class Instance {
  readonly api: Api;

  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly child: Child,
    private readonly dataDir: string,
  ) {
    this.api = new Api(this.url);
  }

  static async start(
    name: string,
    workers: number,
    env: Record<string, string>,
  ): Promise<Instance> {
    const port = await freePort();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `sb-${name}-`));
    const child = new Child(
      process.execPath,
      [TS_ENTRY, 'src/main.ts'],
      {
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        WORKERS: String(workers),
        DATA_DIR: dataDir,
        DEMO_DATA: 'never',
        ...env,
        LOG_LEVEL: 'info', // "switchboard listening" tells when every worker is up
      },
      { group: true, cwd: ROOT },
    );
    const listening = child.watch(/"switchboard listening"/);
    const instance = new Instance(name, port, child, dataDir);
    await waitFor(
      `${name}: ${workers} workers listening`,
      async () => {
        if (!child.running) throw new Error(`${name} exited:\n${child.output}`);
        return listening() >= workers ? true : undefined;
      },
      120_000,
      200,
    );
    return instance;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get output(): string {
    return this.child.output;
  }

  /** The whole instance (primary and workers) at once, like a machine lost. */
  async killHard(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.child.wait();
  }

  async stop(): Promise<void> {
    await this.child.stop(20_000);
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
