/**
 * The scale-out e2e's fleet: redis-server, a fresh PostgreSQL database, the in-process stub
 * gateway, instances a and b (two workers each) and HAProxy in front, plus the calls the cases
 * make against every worker.
 */
import { startStubGateway, type StubGateway } from '../../../src/stub-gateway/stub-gateway';
import { Factory } from '../factories';
import { completionBody } from '../stack';
import { Api } from '../test-app';
import { createPostgresDatabase } from '../test-database';
import { HaProxy } from './haproxy';
import { call, statuses, type Answer } from './http';
import { Instance } from './instance';
import { freePort } from '../../../src/common/net/free-port';
import { waitFor } from './processes';
import { RedisServer } from './redis-server';
import { TcpProxy } from '../tcp-proxy';

export const ROOT = 'scale-out-root-token-0123456789';
/** The waits for a change to reach every process; the fallbacks would take 30-60 s. */
const SPREAD_DEADLINE_MS = 8000;

export const complete = (base: string, token: string) =>
  call(base, 'POST', '/api/v4/code_suggestions/completions', { token, body: completionBody() });
export const direct = (base: string, token: string) =>
  call(base, 'POST', '/api/v4/code_suggestions/direct_access', { token, body: {} });
export const me = (base: string, token: string) => call(base, 'GET', '/api/v4/user', { token });
export const readiness = (base: string, timeoutMs?: number) =>
  call(base, 'GET', '/-/readiness', { timeoutMs });
/** Four calls at once: node:cluster's round robin gives each worker of an instance some. */
export const both = (fn: () => Promise<Answer>) => Promise.all(Array.from({ length: 4 }, fn));

export const kidOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { kid: string }).kid;

/** Polls until `check` holds; resolves with the milliseconds it took. */
export async function spread(what: string, check: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await waitFor(what, check, SPREAD_DEADLINE_MS, 20);
  return Date.now() - started;
}

async function proxiesFor(dbUrl: string, redisPort: number) {
  const u = new URL(dbUrl);
  const database = new TcpProxy(u.hostname, Number(u.port));
  const redis = new TcpProxy('127.0.0.1', redisPort);
  await database.start();
  await redis.start();
  return { database, redis };
}

function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}

export class Fleet {
  private constructor(
    readonly redis: RedisServer,
    readonly db: { url: string; drop(): Promise<void> },
    readonly stub: StubGateway,
    readonly a: Instance,
    readonly b: Instance,
    readonly proxy: HaProxy,
    /** With `cuttable`: the instances reach PostgreSQL and Redis through these. */
    readonly cut?: { database: TcpProxy; redis: TcpProxy },
  ) {}

  readonly f = (): Factory => new Factory(new Api(this.proxy.url), ROOT);

  /** `cuttable`: PostgreSQL and Redis behind TCP proxies a test can cut (outage drills). */
  static async start(env: Record<string, string>, opts: { cuttable?: boolean } = {}) {
    const redis = await RedisServer.start();
    const db = await createPostgresDatabase();
    const cut = opts.cuttable ? await proxiesFor(db.url, redis.port) : undefined;
    const proxyPort = await freePort();
    const publicUrl = `http://127.0.0.1:${proxyPort}`;
    const stub = await startStubGateway({
      trustedIssuers: () => [publicUrl],
      streamChunkDelayMs: 1,
    });
    const all = {
      DATABASE_URL: cut ? viaProxy(db.url, cut.database) : db.url,
      REDIS_URL: cut ? viaProxy(redis.url, cut.redis) : redis.url,
      AIGW_URL: stub.url,
      PUBLIC_URL: publicUrl,
      INITIAL_ROOT_TOKEN: ROOT,
      SIGNING_KEY_SECRET: 'scale-out-signing-key-secret-0123456789abcdef',
      ...env,
    };
    const a = await Instance.start('a', 2, all);
    const b = await Instance.start('b', 2, all);
    const proxy = await HaProxy.start(proxyPort, [a.port, b.port]);
    const fleet = new Fleet(redis, db, stub, a, b, proxy, cut);
    await waitFor('every worker on Redis', () => fleet.redisEverywhere('up'));
    return fleet;
  }

  async stop(): Promise<void> {
    await this.proxy.stop();
    await Promise.all([this.a.stop(), this.b.stop()]);
    await this.stub.close();
    await this.cut?.database.stop();
    await this.cut?.redis.stop();
    await this.redis.stop();
    await this.db.drop();
  }

  /** Every worker of both instances (4 concurrent connections each) answers `status`. */
  async everywhere(fn: (base: string) => Promise<Answer>, status: number) {
    const all = [
      ...(await statuses(4, () => fn(this.a.url))),
      ...(await statuses(4, () => fn(this.b.url))),
    ];
    return all.every((s) => s === status) ? all : undefined;
  }

  /** Every worker reports Redis `state` in readiness (and `degraded` while down). */
  async redisEverywhere(state: 'up' | 'down') {
    const all = [
      ...(await both(() => readiness(this.a.url))),
      ...(await both(() => readiness(this.b.url))),
    ];
    return all.every(
      (r) =>
        r.status === 200 &&
        r.body.checks.shared_state.detail.redis === state &&
        (state === 'up' || (r.body.status === 'degraded' && r.body.checks.shared_state.degraded)),
    )
      ? true
      : undefined;
  }
}
