import { LogCapture } from '../support/hostile/corpus';
import { startStack, Stack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';
import { createPostgresDatabase } from '../support/test-database';
import { OPENAPI_JSON_PATH } from '../../src/common/http/openapi';

jest.setTimeout(120_000);

const suite = process.env.TEST_DATABASE_URL ? describe : describe.skip;
const FLAG = 'code_completion_model_codestral_2508_vertex';

type Schema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  format?: string;
  minimum?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** A plausible value for `schema` (required fields only), so a write reaches the database. */
function sample(doc: Doc, schema: Schema | undefined, field: string, depth = 0): unknown {
  if (!schema || depth > 6) return 'probe';
  if (schema.$ref)
    return sample(doc, doc.components?.schemas?.[schema.$ref.split('/').pop()!], field, depth + 1);
  const alt = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (alt) return sample(doc, alt[0], field, depth + 1);
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const k of schema.required ?? [])
        out[k] = sample(doc, schema.properties?.[k], k, depth + 1);
      return out;
    }
    case 'array':
      return [sample(doc, schema.items, field, depth + 1)];
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return true;
    default:
      if (schema.format === 'email') return `${field}-probe@example.com`;
      return field === 'user' ? 'outage-probe' : `${field}-outage-probe`;
  }
}

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

/** Every operation of the served OpenAPI document, with path ids, required query and a body. */
async function everyRoute(baseUrl: string): Promise<Call[]> {
  const doc = (await (await fetch(baseUrl + OPENAPI_JSON_PATH)).json()) as Doc;
  const calls: Call[] = [];
  for (const [template, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      let path = template;
      const query = new URLSearchParams();
      for (const p of op.parameters ?? []) {
        const value = p.name === 'name' ? FLAG : String(sample(doc, p.schema, p.name));
        if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(value));
        else if (p.in === 'query' && p.required) query.set(p.name, value);
      }
      const schema = op.requestBody?.content?.['application/json']?.schema;
      calls.push({
        method: method.toUpperCase(),
        path: query.size ? `${path}?${query.toString()}` : path,
        body: ['GET', 'DELETE'].includes(method.toUpperCase())
          ? undefined
          : sample(doc, schema, 'body'),
      });
    }
  }
  return calls;
}

async function waitUntil(cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('not recovered in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Every answer during a database outage tells the truth (issue #27): with PostgreSQL reset,
 * refused or hung behind a proxy, every route of the served OpenAPI document answers without a
 * 5xx other than 503 (POST /api/v4/users answered 500 from a raw query), an actor lookup that
 * cannot reach the database is a 503 (it was a 400 "does not exist"), and no request logs a
 * stack: the outage is logged as state changes only.
 */
suite('database outage: every route answers 503, never 500', () => {
  let s: Stack;
  let proxy: TcpProxy;
  let db: { url: string; drop(): Promise<void> };
  let routes: Call[];
  let probe: { username: string };
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await createPostgresDatabase();
    const target = new URL(db.url);
    proxy = new TcpProxy(target.hostname, Number(target.port));
    await proxy.start();
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    s = await startStack({
      logDestination: logs,
      env: {
        LOG_LEVEL: 'warn',
        DATABASE_URL: viaProxy.toString(),
        DATABASE_DEADLINE_MS: '500',
        DATABASE_PROBE_AFTER_MS: '300',
      },
    });
    routes = await everyRoute(s.app.url);
    probe = await s.f.user();
    await s.f.setFlag(FLAG, { value: true, user: probe.username });
  }, 120_000);
  afterAll(async () => {
    proxy?.comeBack();
    await s?.close();
    await proxy?.stop();
    await db?.drop();
  });

  const send = (c: Call) =>
    s.app.api.call(c.method, c.path, { token: s.app.rootToken, body: c.body });

  it.each([
    ['reset', () => proxy.reset()],
    ['refused', () => proxy.goAway()],
    ['hung', () => proxy.hang()],
  ])('database %s', async (_mode, outage) => {
    // the admin's identity is cached (served while the database is away)
    expect((await s.app.api.call('GET', '/api/v4/user', { token: s.app.rootToken })).status).toBe(
      200,
    );
    const logged = logs.lines.length;
    outage();
    const answers = await Promise.all(routes.map(async (c) => ({ c, r: await send(c) })));
    const wrong = answers
      .filter(({ r }) => r.status >= 500 && r.status !== 503)
      .map(
        ({ c, r }) => `${c.method} ${c.path} → ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`,
      );
    expect(wrong).toEqual([]);
    // the writes and admin reads that need the database are among them: a real 503 each
    const unavailable = answers.filter(({ r }) => r.status === 503);
    expect(unavailable.length).toBeGreaterThan(routes.length / 3);

    const createUser = await s.app.api.call('POST', '/api/v4/users', {
      token: s.app.rootToken,
      body: { username: 'outage-new', name: 'Outage New', email: 'outage-new@example.com' },
    });
    expect(createUser).toMatchObject({
      status: 503,
      body: { message: 'The database is temporarily unavailable' },
    });
    // an existing user is not "does not exist" because the lookup could not be made
    const setForUser = await s.app.api.call('POST', `/api/v4/features/${FLAG}`, {
      token: s.app.rootToken,
      body: { value: true, user: probe.username },
    });
    expect(setForUser).toMatchObject({
      status: 503,
      body: { message: 'The database is temporarily unavailable' },
    });
    const during = logs.lines.slice(logged);
    expect(during.filter((l) => l.includes('unhandled error'))).toEqual([]);
    expect(during.filter((l) => l.includes('"stack"'))).toEqual([]);
    expect(during.length).toBeLessThan(10);

    proxy.comeBack();
    // back without a restart: readiness ok (the guard's probe closed its breaker), and the
    // write the outage refused succeeds
    const setAgain = () =>
      send({
        method: 'POST',
        path: `/api/v4/features/${FLAG}`,
        body: { value: true, user: probe.username },
      });
    await waitUntil(async () => (await s.app.api.call('GET', '/-/readiness')).body.status === 'ok');
    expect((await setAgain()).status).toBe(201);
  });
});
