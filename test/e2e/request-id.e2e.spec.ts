import { LogCapture } from '../support/hostile/corpus';
import { completionBody, startStack, Stack } from '../support/stack';

jest.setTimeout(60_000);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A client-sent X-Request-ID is echoed, logged and sent upstream only when it is of a safe shape
 * (issue #27): a token sent there by mistake or on purpose must not land in the log or reach the
 * gateway. Every log line of the process is captured (LOG_LEVEL=info: the request line too).
 */
describe('X-Request-ID from the client', () => {
  let s: Stack;
  const logs = new LogCapture();

  beforeAll(async () => {
    s = await startStack({ logDestination: logs, env: { LOG_LEVEL: 'info' } });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  async function complete(token: string, requestId: string) {
    const mark = s.mark();
    const logged = logs.lines.length;
    const r = await s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token,
      body: completionBody(),
      headers: { 'x-request-id': requestId },
    });
    expect(r.status).toBe(200);
    const upstream = s.since(mark);
    expect(upstream).toHaveLength(1);
    return {
      answered: r.headers.get('x-request-id'),
      upstream: upstream[0].headers['x-request-id'],
      log: logs.lines.slice(logged).join('\n'),
    };
  }

  it('a safe id is kept: answered, sent upstream and logged as sent', async () => {
    const { user } = await s.f.seatedUser();
    const got = await complete(user.token, 'ide-req:42.a_b-c');
    expect(got.answered).toBe('ide-req:42.a_b-c');
    expect(got.upstream).toBe('ide-req:42.a_b-c');
    expect(got.log).toContain('"reqId":"ide-req:42.a_b-c"');
  });

  it.each([
    ['a personal access token', () => 'glpat-RequestIdSecret0123456789'],
    ['a token prefix inside the id', () => 'trace-gldt-RequestIdSecret0123'],
    ['an id too long', () => 'RequestIdSecret'.repeat(10)],
    ['characters outside the safe set', () => 'RequestIdSecret/with space'],
  ])('%s is replaced by a generated id, and the value sent is not logged', async (_n, make) => {
    const { user } = await s.f.seatedUser();
    const sent = make();
    const got = await complete(user.token, sent);
    expect(got.answered).toMatch(UUID);
    expect(got.upstream).toBe(got.answered);
    expect(got.log).toContain(`"reqId":"${got.answered}"`);
    expect(got.log).not.toContain('RequestIdSecret');
  });

  it('on an error answer too (no token: 401)', async () => {
    const logged = logs.lines.length;
    const r = await s.app.api.call('GET', '/api/v4/user', {
      headers: { 'x-request-id': 'glpat-RequestIdSecret0123456789' },
    });
    expect(r.status).toBe(401);
    expect(r.headers.get('x-request-id')).toMatch(UUID);
    expect(logs.lines.slice(logged).join('\n')).not.toContain('RequestIdSecret');
  });
});
