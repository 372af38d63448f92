import { completionBody, startStack, Stack } from '../support/stack';
import {
  PRIMARY,
  BACKUP,
  BACKUP_MODEL,
  PRIMARY_MODEL,
  metricSum,
  samples,
} from '../support/failover-helpers';
import { shippedCatalogue, upstreamsOf } from '../support/catalogue';
import { itWithPromtool, promtoolCheck } from '../support/promtool';

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
  // Labels as logs and claims name the models: the primary goes to /v4 (the default), named
  // `gitlab` + its identifier; the backup goes the v2 way, named by our provider / model_name.
  const primaryLabels = { api: 'v4', provider: PRIMARY.provider, model: PRIMARY.model };
  const backupLabels = { api: 'v2', provider: BACKUP_MODEL.provider, model: BACKUP_MODEL.name };

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

  it("exports every catalogue model's breaker from the start, closed, with help naming all four values", async () => {
    const text = await scrape(); // no completion yet: no breaker has changed state
    const states = samples(text, 'switchboard_breaker_state');
    const expected = upstreamsOf(shippedCatalogue());
    expect(states.map((x) => x.labels.upstream).sort()).toEqual([...expected].sort());
    expect(states.every((x) => x.value === 0)).toBe(true);
    expect(text).toMatch(
      /# HELP switchboard_breaker_state .*0 closed, 1 half-open, 2 open, 3 isolated/,
    );
  });

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
        ...primaryLabels,
      }),
    ).toBe(1);
    expect(delta({ endpoint: COMPLETIONS, status: '401', model: '' })).toBe(2);
    expect(
      delta({
        endpoint: COMPLETIONS,
        status: String(down.status),
        task: 'completion',
        ...backupLabels, // the attempt that decided the answer: the failover model
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
    const overhead = delta('switchboard_overhead_seconds_sum', { endpoint: COMPLETIONS });
    expect(
      delta('switchboard_overhead_seconds_count', { endpoint: COMPLETIONS, ...backupLabels }),
    ).toBe(1);
    expect(overhead).toBeLessThan(1); // without the fix: >= 2 s (the timed-out primary)
    expect(
      delta('switchboard_upstream_seconds_count', { ...primaryLabels, outcome: 'timeout' }),
    ).toBe(1);
    expect(delta('switchboard_upstream_seconds_sum', primaryLabels)).toBeGreaterThan(1.9);
    expect(delta('switchboard_upstream_seconds_count', { ...backupLabels, outcome: '2xx' })).toBe(
      1,
    );
  });

  it('times every routed completion end to end by the model that answered and the outcome; failovers from which model to which', async () => {
    const before = await scrape();

    expect((await complete()).status).toBe(200);
    s.stub.faults.add({ ...PRIMARY, latencyMs: 10_000 }); // beyond the 2 s attempt budget
    const failedOver = await complete();
    expect(failedOver.status).toBe(200);
    expect(failedOver.body.choices[0].text).toContain(BACKUP);
    s.stub.faults.clear();
    s.stub.faults.add({ ...PRIMARY, status: 422, body: { detail: 'bad request' } });
    expect((await complete()).status).toBe(422); // the request's fault: passed through
    s.stub.faults.clear();
    s.stub.faults.add({ closeConnection: true }); // primary and backup unreachable
    expect((await complete()).status).toBeGreaterThanOrEqual(502);
    s.stub.faults.clear();
    expect((await complete((await s.f.user()).token)).status).toBe(401); // never routed

    const after = await scrape();
    const delta = (name: string, match: Record<string, string>) =>
      metricSum(after, name, match) - metricSum(before, name, match);
    const latency = (outcome: string, labels: Record<string, string>) =>
      delta('switchboard_completion_seconds_count', { task: 'completion', outcome, ...labels });
    expect(delta('switchboard_completion_seconds_count', {})).toBe(4);
    expect(latency('answered', primaryLabels)).toBe(1);
    expect(latency('failed_over', backupLabels)).toBe(1);
    expect(latency('upstream_4xx', primaryLabels)).toBe(1);
    // The last attempt (the backup's) names the error class: connection refused or closed.
    expect(latency('connect', backupLabels) + latency('early_close', backupLabels)).toBe(1);
    expect(delta('switchboard_completion_seconds_sum', { outcome: 'failed_over' })).toBeGreaterThan(
      1.9, // the timed-out primary attempt is part of what the user waited
    );
    const failovers = (match: Record<string, string>) =>
      delta('switchboard_failovers_total', {
        mode: 'automatic',
        trigger: 'attempt_failed',
        ...match,
      });
    // from_model is the catalogue's model_name of the model the rules picked (docs/metrics.md)
    expect(failovers({ from_model: PRIMARY_MODEL.name, to_model: BACKUP_MODEL.name })).toBe(2);
    expect(delta('switchboard_upstream_seconds_count', { ...primaryLabels, outcome: '4xx' })).toBe(
      1,
    );
  });

  itWithPromtool('`promtool check metrics` finds nothing to complain about', async () => {
    expect((await complete()).status).toBe(200);
    const verdict = promtoolCheck(await scrape());
    expect(verdict).toEqual({ status: 0, output: '' });
  });
});
