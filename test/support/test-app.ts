import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bootstrap, BootstrapOptions, RunningApp } from '../../src/bootstrap';
import { Backend, createPostgresDatabase } from './test-database';

export const ROOT_TOKEN = 'root-token-for-tests-0123456789';

export interface TestApp {
  url: string;
  running: RunningApp;
  rootToken: string;
  dataDir: string;
  api: Api;
  close(): Promise<void>;
}

export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

/** A small fetch wrapper for tests: real HTTP over a socket. */
export class Api {
  constructor(readonly baseUrl: string) {}

  async call<T = any>(
    method: string,
    path: string,
    opts: {
      token?: string;
      body?: unknown;
      raw?: string | Buffer;
      headers?: Record<string, string>;
    } = {},
  ): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers['private-token'] = opts.token;
    let body: string | Buffer | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined && !headers['content-type'])
      headers['content-type'] = 'application/json';
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* keep text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers, text };
  }
}

/**
 * Boots the production wiring (bootstrap) on an ephemeral port with a fresh database:
 * a temp-dir PGlite, or a brand-new PostgreSQL database when backend = 'postgres'.
 */
export async function startTestApp(
  opts: {
    backend?: Backend;
    env?: Record<string, string>;
    logDestination?: BootstrapOptions['logDestination'];
  } = {},
): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-test-'));
  const pg = opts.backend === 'postgres' ? await createPostgresDatabase() : undefined;
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    INITIAL_ROOT_TOKEN: ROOT_TOKEN,
    DEMO_DATA: 'never',
    FLAGS_POLL_INTERVAL_MS: '100',
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    ...opts.env,
  };
  const running = await bootstrap({ env, logDestination: opts.logDestination });
  return {
    url: running.url,
    running,
    rootToken: ROOT_TOKEN,
    dataDir,
    api: new Api(running.url),
    async close() {
      await running.close();
      await pg?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
