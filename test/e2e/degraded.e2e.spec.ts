import { completionBody, startStack, Stack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';
import { createPostgresDatabase } from '../support/test-database';

const suite = process.env.TEST_DATABASE_URL ? describe : describe.skip;

suite('degraded mode: the database goes away mid-load', () => {
  let s: Stack;
  let proxy: TcpProxy;
  let db: { url: string; drop(): Promise<void> };

  beforeAll(async () => {
    db = await createPostgresDatabase();
    const target = new URL(db.url);
    proxy = new TcpProxy(target.hostname, Number(target.port));
    await proxy.start();
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    s = await startStack({
      env: {
        DATABASE_URL: viaProxy.toString(),
        TOKEN_CACHE_TTL_MS: '300',
        SEAT_CACHE_TTL_MS: '300',
        FLAGS_STALE_AFTER_MS: '1000',
        DEGRADED_MAX_STALENESS_MS: '20000',
      },
    });
  }, 60_000);
  afterAll(async () => {
    proxy.comeBack();
    await s?.close();
    await proxy?.stop();
    await db?.drop();
  });

  it('keeps serving from cached identity and last known flags, says so, and recovers without restart', async () => {
    const { user } = await s.f.seatedUser();
    const complete = () =>
      s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
        token: user.token,
        body: completionBody(),
      });
    expect((await complete()).status).toBe(200);

    proxy.goAway();
    const statuses: number[] = [];
    const staleHeaders = new Set<string>();
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      const r = await complete();
      statuses.push(r.status);
      const h = r.headers.get('x-switchboard-decision-stale');
      if (h) staleHeaders.add(h);
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(statuses.filter((st) => st >= 500)).toEqual([]);
    expect([...staleHeaders].join(',')).toContain('identity');
    expect([...staleHeaders].join(',')).toContain('flags');
    // direct access too: a token from cached identity, and the header says so
    const da = await s.app.api.call('POST', '/api/v4/code_suggestions/direct_access', {
      token: user.token,
      body: {},
    });
    expect(da.status).toBe(201);
    expect(da.headers.get('x-switchboard-decision-stale')).toContain('identity');
    const ready = await s.app.api.call('GET', '/-/readiness');
    expect(ready.status).toBe(503); // the database check fails; load balancers may drain, we keep serving

    // an unknown token cannot be authenticated from cache: a clear 503, not a 500
    const stranger = await s.app.api.call('GET', '/api/v4/user', {
      headers: { authorization: 'Bearer glpat-never-seen' },
    });
    expect(stranger).toMatchObject({
      status: 503,
      body: { message: 'Authentication is temporarily unavailable' },
    });

    proxy.comeBack();
    const back = Date.now();
    let fresh = false;
    while (!fresh && Date.now() - back < 10_000) {
      const r = await complete();
      expect(r.status).toBe(200);
      fresh = r.headers.get('x-switchboard-decision-stale') === null;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(fresh).toBe(true);
    expect((await s.app.api.call('GET', '/-/readiness')).status).toBe(200);
  }, 60_000);
});
