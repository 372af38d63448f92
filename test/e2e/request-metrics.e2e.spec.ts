import { completionBody, startStack, Stack } from '../support/stack';
import { PRIMARY, BACKUP, metricSum } from '../support/failover-helpers';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

describe('request metrics at /metrics', () => {
  let s: Stack;
  let token: string;
  const REQUESTS = 'switchboard_requests_total';
  const COMPLETIONS = '/api/v4/code_suggestions/completions';
  const scrape = async () => (await s.app.api.call('GET', '/metrics')).text;
  const complete = (t: string | undefined = token) =>
    s.app.api.call('POST', COMPLETIONS, { token: t, body: completionBody() });

  beforeAll(async () => {
    s = await startStack({
      env: {
        // An attempt budget well above what a loaded machine adds to a request, so a timed-out
        // primary counted as own overhead cannot be mistaken for a slow machine.
        FAILOVER_ATTEMPT_TIMEOUT_MS: '2000',
        GATEWAY_TIMEOUT_MS: '5000',
        FAILOVER_BREAKER_THRESHOLD: '100', // these tests are about counting, not breaking
      },
    });
    token = (await s.f.seatedUser()).user.token;
  }, 60_000);
  afterAll(() => s?.close(), 30_000);
  afterEach(() => s.stub.faults.clear());

  it('counts every request by route and status, thrown failures and other endpoints included; completions also by task, API, provider and model', async () => {
    const before = await scrape();
    const unseated = (await s.f.user()).token;

    expect((await complete()).status).toBe(200);
    expect((await complete('not-a-token')).status).toBe(401);
    expect((await complete(unseated)).status).toBe(401);
    s.stub.faults.add({ closeConnection: true }); // primary and backup unreachable: thrown 5xx
    const down = await complete();
    expect(down.status).toBeGreaterThanOrEqual(502);
    s.stub.faults.clear();
    const direct = await s.app.api.call('POST', '/api/v4/code_suggestions/direct_access', {
      token,
      body: {},
    });
    expect(direct.status).toBe(201);

    const after = await scrape();
    const delta = (match: Record<string, string>) =>
      metricSum(after, REQUESTS, match) - metricSum(before, REQUESTS, match);
    expect(
      delta({
        endpoint: COMPLETIONS,
        status: '200',
        task: 'completion',
        api: 'v2',
        provider: PRIMARY.provider,
        model: PRIMARY.model,
      }),
    ).toBe(1);
    expect(delta({ endpoint: COMPLETIONS, status: '401', model: '' })).toBe(2);
    expect(
      delta({
        endpoint: COMPLETIONS,
        status: String(down.status),
        task: 'completion',
        provider: 'anthropic',
        model: BACKUP, // the attempt that decided the answer: the failover model
      }),
    ).toBe(1);
    expect(
      delta({ endpoint: '/api/v4/code_suggestions/direct_access', status: '201', model: '' }),
    ).toBe(1);
  });

  it('reports the flag source: not stale, and its age since the last sync in seconds', async () => {
    const text = await scrape();
    expect(metricSum(text, 'switchboard_flag_source_stale', { source: 'embedded' })).toBe(0);
    const age = metricSum(text, 'switchboard_flag_source_age_seconds', { source: 'embedded' });
    // The embedded store polls every FLAGS_POLL_INTERVAL_MS (500 ms by default).
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(5);
  });

  it("own overhead excludes a failed primary attempt's upstream time; every attempt is an upstream observation", async () => {
    const before = await scrape();
    s.stub.faults.add({ ...PRIMARY, latencyMs: 10_000 }); // beyond the 2 s attempt budget
    const r = await complete();
    expect(r.status).toBe(200);
    expect(r.body.choices[0].text).toContain(BACKUP);
    const after = await scrape();
    const delta = (name: string, match: Record<string, string>) =>
      metricSum(after, name, match) - metricSum(before, name, match);
    const overhead = delta('switchboard_overhead_seconds_sum', { endpoint: 'completions' });
    expect(delta('switchboard_overhead_seconds_count', { endpoint: 'completions' })).toBe(1);
    expect(overhead).toBeLessThan(1); // without the fix: >= 2 s (the timed-out primary)
    expect(delta('switchboard_upstream_seconds_count', { model: PRIMARY.model })).toBe(1);
    expect(delta('switchboard_upstream_seconds_sum', { model: PRIMARY.model })).toBeGreaterThan(
      1.9,
    );
    expect(delta('switchboard_upstream_seconds_count', { model: BACKUP })).toBe(1);
  });
});
