/**
 * Real Unleash server (unleash-server 7.5.1, devDependency) for integration / e2e tests.
 *
 * - Runs in a CHILD PROCESS (node, ESM) so `kill()` is a real SIGKILL and the Jest worker keeps
 *   no Unleash state, timers or DB pools.
 * - Every `startUnleashServer()` gets its own fresh PostgreSQL schema (`DATABASE_SCHEMA`) inside
 *   `databaseUrl`, created before start and dropped by `stop()`. Parallel Jest workers can share
 *   one database (Unleash serialises its migrations with an advisory lock).
 * - API tokens are seeded at boot with `INIT_ADMIN_API_TOKENS` / `INIT_BACKEND_API_TOKENS`
 *   (only applied when the token table is empty, i.e. on a fresh schema).
 * - Listens on 127.0.0.1 only. Start-up (spawn + module load + migrations + tokens) measured
 *   2.9 s idle, 3-8 s on a busy 2-core machine, 13.6 s for 3 started concurrently.
 *
 * See docs/unleash.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../../src/common/net/free-port';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from 'pg';

export interface StartUnleashServerOptions {
  /** e.g. postgres://user:pass@127.0.0.1:<port>/unleash_test (TEST_UNLEASH_DATABASE_URL, printed by scripts/test-postgres.sh). */
  databaseUrl: string;
  /** TCP port on 127.0.0.1; default: a free ephemeral port. */
  port?: number;
  /** Environment the client (backend) token is scoped to: 'development' (default) or 'production'. */
  environment?: string;
  /** Schema to use; default a unique `unleash_<time>_<random>`. It is DROPPED (cascade) first. */
  schema?: string;
  /** Keep the schema on stop() (debugging). Default false. */
  keepSchema?: boolean;
  /** Give up waiting for /health after this long. Default 60 000 ms. */
  startTimeoutMs?: number;
  /** Unleash LOG_LEVEL (debug|info|warn|error). Default 'warn'. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Echo the server's stdout/stderr to this process's stderr (also: UNLEASH_TEST_SERVER_LOG=1). */
  echoLogs?: boolean;
  /** Extra environment variables for the Unleash process (override the defaults). */
  env?: Record<string, string>;
}

/**
 * The environment that points Switchboard at this Unleash server (`url`: another address in
 * front of it, e.g. a proxy that cuts the connection).
 */
export function unleashServiceEnv(
  unleash: Pick<UnleashTestServer, 'url' | 'clientToken' | 'adminToken' | 'environment'>,
  url: string = unleash.url,
): Record<string, string> {
  return {
    UNLEASH_URL: url,
    UNLEASH_API_TOKEN: unleash.clientToken,
    UNLEASH_ADMIN_TOKEN: unleash.adminToken,
    UNLEASH_ENVIRONMENT: unleash.environment,
  };
}

export interface UnleashTestServer {
  /** http://127.0.0.1:PORT (no trailing slash). SDK url: `${url}/api/`. */
  url: string;
  /** `*:*.<hex>` admin API token; send as `Authorization: <token>`. */
  adminToken: string;
  /** `*:<environment>.<hex>` backend/client token for unleash-client. */
  clientToken: string;
  environment: string;
  port: number;
  schema: string;
  /** PID of the current Unleash child process (undefined when not running). */
  readonly pid: number | undefined;
  /** Wall time of the last (re)start until /health was GOOD and both tokens worked. */
  readonly startupMs: number;
  /** Last ~400 lines of server output. */
  logs(): string;
  /** Graceful SIGTERM, then drop the schema (unless keepSchema). Idempotent. */
  stop(): Promise<void>;
  /** Abrupt SIGKILL ("Unleash went away"). Schema and tokens are kept; `restart()` brings it back. */
  kill(): Promise<void>;
  /** (Graceful stop if running, then) start again on the same port + schema: same url, same tokens, same flags. */
  restart(): Promise<void>;
}

const LOG_LINES = 400;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test forgets stop(): never leave an Unleash behind the test process.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function serverImplUrl(): string {
  // "exports": "./dist/lib/server-impl.js" (ESM). require.resolve works on the bare specifier.
  const file = require.resolve('unleash-server');
  return pathToFileURL(join(dirname(file), 'server-impl.js')).href;
}

/**
 * Child entry: ESM so it can import unleash-server; exits when its stdin closes, i.e. when the
 * parent (Jest worker) dies without calling stop()/kill().
 */
function childScript(): string {
  return [
    `process.stdin.on('end', () => process.exit(0));`,
    `process.stdin.on('error', () => process.exit(0));`,
    `process.stdin.resume();`,
    `const { start } = await import(${JSON.stringify(serverImplUrl())});`,
    `try { await start(); } catch (e) { console.error('UNLEASH_START_FAILED', e); process.exit(1); }`,
  ].join('\n');
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name: ${name}`);
  return `"${name}"`;
}

async function withPg<T>(databaseUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Schemas left by crashed runs: `unleash_<base36 ms>_<hex>` older than 6 h are dropped (best effort). */
async function dropStaleSchemas(c: Client): Promise<void> {
  const { rows } = await c.query<{ nspname: string }>(
    "SELECT nspname FROM pg_namespace WHERE nspname ~ '^unleash_[0-9a-z]+_[0-9a-f]{6}$'",
  );
  const cutoff = Date.now() - 6 * 3600_000;
  for (const { nspname } of rows) {
    const createdAt = parseInt(nspname.split('_')[1], 36);
    if (Number.isFinite(createdAt) && createdAt < cutoff) {
      await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(nspname)} CASCADE`).catch(() => undefined);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function httpStatus(url: string, token?: string): Promise<number> {
  try {
    const res = await fetch(url, {
      headers: token ? { Authorization: token } : {},
      signal: AbortSignal.timeout(2000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

export async function startUnleashServer(
  options: StartUnleashServerOptions,
): Promise<UnleashTestServer> {
  installExitHook();
  const environment = options.environment ?? 'development';
  const schema =
    options.schema ?? `unleash_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const adminToken = `*:*.${randomBytes(16).toString('hex')}`;
  const clientToken = `*:${environment}.${randomBytes(16).toString('hex')}`;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const echo = options.echoLogs ?? process.env.UNLEASH_TEST_SERVER_LOG === '1';
  const fixedPort = options.port;
  let port = fixedPort ?? (await freePort());

  await withPg(options.databaseUrl, async (c) => {
    await dropStaleSchemas(c);
    await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await c.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  });

  const logLines: string[] = [];
  const pushLog = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (echo) process.stderr.write(`[unleash:${port}] ${text}`);
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      logLines.push(line);
      if (logLines.length > LOG_LINES) logLines.shift();
    }
  };

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let startupMs = 0;
  let stopped = false;

  const childEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // Never inherit a DATABASE_* / Unleash config from the test process.
    for (const key of Object.keys(env)) {
      if (key.startsWith('DATABASE_') || key.startsWith('INIT_') || key.startsWith('UNLEASH_'))
        delete env[key];
    }
    return {
      ...env,
      NODE_ENV: 'production', // Jest sets NODE_ENV=test, which switches Unleash into its own test mode
      TZ: 'UTC',
      DATABASE_URL: options.databaseUrl,
      DATABASE_SCHEMA: schema,
      DATABASE_SSL: 'false', // Unleash defaults to trying SSL; the loopback test server has none
      DATABASE_POOL_MAX: '4',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      UNLEASH_URL: `http://127.0.0.1:${port}`,
      INIT_ADMIN_API_TOKENS: adminToken,
      INIT_BACKEND_API_TOKENS: clientToken,
      AUTH_TYPE: 'open-source',
      LOG_LEVEL: options.logLevel ?? 'warn',
      CHECK_VERSION: 'false',
      SEND_TELEMETRY: 'false',
      GRACEFUL_SHUTDOWN_TIMEOUT: '500',
      ...options.env,
    };
  };

  const spawnOnce = async (): Promise<void> => {
    const t0 = performance.now();
    const proc = spawn(process.execPath, ['--input-type=module', '-e', childScript()], {
      env: childEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child = proc;
    live.add(proc);
    proc.stdout?.on('data', pushLog);
    proc.stderr?.on('data', pushLog);
    let exitInfo: string | undefined;
    proc.once('error', (err) => {
      exitInfo ??= `spawn error: ${err.message}`;
    });
    exited = new Promise<void>((resolve) => {
      proc.once('exit', (code, signal) => {
        exitInfo = `exit code=${code} signal=${signal}`;
        live.delete(proc);
        if (child === proc) child = undefined;
        resolve();
      });
    });

    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (exitInfo) {
        throw new Error(
          `Unleash exited during start-up (${exitInfo}) on port ${port}:\n${logLines.slice(-40).join('\n')}`,
        );
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        await exited;
        throw new Error(
          `Unleash not healthy after ${startTimeoutMs} ms:\n${logLines.slice(-40).join('\n')}`,
        );
      }
      if ((await httpStatus(`${base}/health`)) === 200) break;
      await sleep(100);
    }
    // Tokens are inserted before the HTTP server listens, but verify both to fail loudly.
    const [adminStatus, clientStatus] = await Promise.all([
      httpStatus(`${base}/api/admin/projects`, adminToken),
      httpStatus(`${base}/api/client/features`, clientToken),
    ]);
    if (adminStatus !== 200 || clientStatus !== 200) {
      throw new Error(
        `Unleash up but tokens rejected (admin ${adminStatus}, client ${clientStatus}):\n${logLines.slice(-40).join('\n')}`,
      );
    }
    startupMs = Math.round(performance.now() - t0);
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc) return;
    proc.kill(signal);
    if (signal !== 'SIGKILL') {
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    } else {
      await exited;
    }
  };

  // First start; with an auto-picked port retry a couple of times on a port race.
  for (let attempt = 1; ; attempt++) {
    try {
      await spawnOnce();
      break;
    } catch (err) {
      await terminate('SIGKILL');
      const portRace = /EADDRINUSE/.test(String(err));
      if (fixedPort === undefined && portRace && attempt < 3) {
        port = await freePort();
        continue;
      }
      if (!options.keepSchema) {
        await withPg(options.databaseUrl, (c) =>
          c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`),
        ).catch(() => undefined);
      }
      throw err;
    }
  }

  const server: UnleashTestServer = {
    url: `http://127.0.0.1:${port}`,
    adminToken,
    clientToken,
    environment,
    port,
    schema,
    get pid() {
      return child?.pid;
    },
    get startupMs() {
      return startupMs;
    },
    logs: () => logLines.join('\n'),
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate('SIGTERM');
      if (!options.keepSchema) {
        await withPg(options.databaseUrl, (c) =>
          c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`),
        );
      }
    },
    async kill() {
      await terminate('SIGKILL');
    },
    async restart() {
      if (stopped)
        throw new Error('restart() after stop(): the schema is gone; start a new server');
      await terminate('SIGTERM');
      await spawnOnce();
    },
  };
  return server;
}
