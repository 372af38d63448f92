import fc from 'fast-check';
import { startStack, Stack } from '../support/stack';
import { BACKENDS } from '../support/test-database';
import { ROOT_TOKEN } from '../support/test-app';
import {
  HOSTILE_VALUES,
  hostileString,
  hostileValue,
  LogCapture,
  segment,
} from '../support/hostile/corpus';
import { enumerateRoutes, RouteShape } from '../support/hostile/routes';

/**
 * The hostile-input tier (issue #14): every route the OpenAPI document lists, driven over a real
 * socket with a fixed corpus and then with fast-check (fixed seed, fixed number of runs, so a run
 * is bounded and a failure replays). For every request: no 5xx, no hang, no secret in the answer;
 * at the end, no secret in any log line and no polluted Object.prototype in this process (the
 * app runs in it). Semantic oracles (wildcards, NUL, decoding) live in hostile-oracles.e2e.spec.ts.
 */
const SEED = 1414;
const RUNS = Number(process.env.HOSTILE_RUNS ?? 400);
const REQUEST_TIMEOUT_MS = 15_000;
/** Sent in the query string of every request: it must never appear in a log line. */
const QUERY_SECRET = 'glpat-QuerySecretNeverLogged0123';

// Hooks (start, stop, dropping a database) too: generous on a loaded machine.
jest.setTimeout(60_000);

interface Tally {
  requests: number;
  fiveXx: string[];
  hangs: string[];
  leaks: string[];
  maxMs: number;
}

describe.each(BACKENDS)('hostile input over every route (%s)', (backend) => {
  let s: Stack;
  const logs = new LogCapture();
  let routes: RouteShape[];
  let tokens: { admin: string; user: string };
  const tally: Tally = { requests: 0, fiveXx: [], hangs: [], leaks: [], maxMs: 0 };

  beforeAll(async () => {
    s = await startStack({
      backend,
      logDestination: logs,
      env: {
        LOG_LEVEL: 'info',
        RATE_LIMIT_COMPLETIONS_PER_MINUTE: '1000000',
        RATE_LIMIT_DIRECT_ACCESS_PER_MINUTE: '1000000',
      },
    });
    routes = await enumerateRoutes(s.app.url);
    const admin = await s.f.user({ admin: true });
    const { user } = await s.f.seatedUser();
    tokens = { admin: admin.token, user: user.token };
  }, 120_000);
  afterAll(async () => {
    console.log(
      `hostile tier (${backend}): ${JSON.stringify({ ...tally, routes: routes?.length })}`,
    );
    await s?.close();
  });

  const secrets = () => [ROOT_TOKEN, tokens.admin, tokens.user, QUERY_SECRET];

  async function send(
    route: RouteShape,
    pick: { value: (field: string) => unknown; token: 'admin' | 'user' | 'none'; raw?: string },
  ): Promise<void> {
    let path = route.template;
    for (const p of route.pathParams) path = path.replace(`{${p}}`, segment(String(pick.value(p))));
    const query = new URLSearchParams();
    for (const q of route.queryParams) query.append(q, String(pick.value(q)));
    query.append('private_token', QUERY_SECRET);
    const headers: Record<string, string> = {};
    if (pick.token !== 'none') headers['private-token'] = tokens[pick.token];
    let body: string | undefined;
    if (!['GET', 'DELETE'].includes(route.method)) {
      headers['content-type'] = 'application/json';
      body =
        pick.raw ??
        JSON.stringify(Object.fromEntries(route.bodyFields.map((f) => [f, pick.value(f)])));
    }
    const label = `${route.method} ${path.slice(0, 120)}`;
    const started = Date.now();
    tally.requests++;
    try {
      const res = await fetch(`${s.app.url}${path}?${query.toString()}`, {
        method: route.method,
        headers,
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status >= 500) tally.fiveXx.push(`${label} → ${res.status} ${text.slice(0, 200)}`);
      for (const secret of secrets())
        if (text.includes(secret)) tally.leaks.push(`${label} answer`);
    } catch (err) {
      tally.hangs.push(`${label}: ${(err as Error).name}`);
    }
    tally.maxMs = Math.max(tally.maxMs, Date.now() - started);
  }

  /** Requests that would end the run early without saying anything about hostile input. */
  const usable = (r: RouteShape) =>
    !(r.method === 'DELETE' && r.template.endsWith('/personal_access_tokens/self'));

  it('a fixed corpus on every field of every route: no 5xx, no hang, nothing secret answered', async () => {
    const corpus = [
      '\u0000',
      '%',
      'a_%',
      '%25',
      '\ud800',
      'x'.repeat(70_000),
      '__proto__',
      '99999999999999999999',
      null,
      ['\u0000'],
      { __proto__: { admin: true } },
      HOSTILE_VALUES.at(-1),
    ];
    for (const route of routes.filter(usable)) {
      for (const v of corpus) {
        await send(route, { value: () => v, token: 'admin' });
      }
      await send(route, { value: () => 'a\u0000b', token: 'user' });
      await send(route, { value: () => '%', token: 'none' });
      await send(route, { value: () => '1', token: 'admin', raw: '{"a":' });
      await send(route, { value: () => '1', token: 'admin', raw: '\u00ff\u0000{}' });
    }
    expect(tally.fiveXx).toEqual([]);
    expect(tally.hangs).toEqual([]);
    expect(tally.leaks).toEqual([]);
  }, 600_000);

  it(`fast-check: ${RUNS} generated requests (seed ${SEED}): no 5xx, no hang, nothing secret answered`, async () => {
    const targets = routes.filter(usable);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: targets.length - 1 }),
        fc.dictionary(fc.constantFrom('id', 'username', 'name', 'x', 'user'), hostileValue()),
        hostileString(),
        fc.constantFrom<'admin' | 'user' | 'none'>('admin', 'admin', 'user', 'none'),
        async (i, values, fallback, token) => {
          const before = tally.fiveXx.length + tally.hangs.length + tally.leaks.length;
          await send(targets[i], { value: (f) => (f in values ? values[f] : fallback), token });
          return tally.fiveXx.length + tally.hangs.length + tally.leaks.length === before;
        },
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    expect(tally.fiveXx).toEqual([]);
  }, 600_000);

  it('left nothing secret in any log line and no polluted prototype', () => {
    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(tally.requests / 2);
    for (const secret of secrets()) expect(text.includes(secret)).toBe(false);
    expect(text).toContain('private_token=[REDACTED]');
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('admin');
  });
});
