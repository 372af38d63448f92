// The console's "automatic failover active" data: while a breaker sends a model's completions
// to the backup, the traffic endpoint says so, since when, and how many were failed over.
import { shippedCatalogue } from '../support/catalogue';
import { BACKUP, metricSum, PRIMARY } from '../support/failover-helpers';
import { completionBody, startStack, Stack } from '../support/stack';
import { waitUntil } from '../support/wait';

jest.setTimeout(60_000);

const THRESHOLD = 3;

describe('automatic failover activity (console traffic)', () => {
  let s: Stack;
  let token: string;
  let admin: string;
  const cat = shippedCatalogue();
  const primary = cat.completionRules.find((r) => r.kind === 'default')!.model;
  const backup = cat.completionFailover!.model;
  const upstream = `${primary.provider}/${primary.name}`;
  const complete = () =>
    s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token,
      body: completionBody(),
    });
  const activity = async () => {
    const r = await s.app.api.call('GET', '/api/v4/admin/console/traffic', { token: admin });
    expect(r.status).toBe(200);
    return r.body.automatic_failover;
  };

  beforeAll(async () => {
    s = await startStack({
      env: {
        FAILOVER_BREAKER_THRESHOLD: String(THRESHOLD),
        FAILOVER_HALF_OPEN_AFTER_MS: '500',
        RATE_LIMIT_COMPLETIONS_PER_MINUTE: '100000',
      },
    });
    token = (await s.f.seatedUser()).user.token;
    admin = (await s.f.user({ admin: true })).token;
  }, 60_000);
  afterAll(() => s?.close(), 30_000);

  it('inactive while every breaker is closed; active with the open breaker, since when and the failed-over count; inactive again after recovery', async () => {
    expect(await activity()).toEqual({
      active: false,
      since: null,
      breakers: [],
      failed_over: 0,
      routes: [],
    });
    expect((await complete()).status).toBe(200);
    expect((await activity()).active).toBe(false);

    const before = Date.now();
    s.stub.faults.add({ ...PRIMARY, status: 503 }); // the primary as the twin serves it
    // THRESHOLD failed attempts open the breaker (each one fails over); the 4 after it fail over
    // too: straight to the backup while it is open, or after a probe of the primary that fails.
    for (let i = 0; i < THRESHOLD + 4; i++) {
      const r = await complete();
      expect(r.status).toBe(200);
      expect(r.body.choices[0].text).toContain(BACKUP); // the twin names its catalogue identifier
    }
    const open = await activity();
    expect(open.active).toBe(true);
    expect(Date.parse(open.since)).toBeGreaterThanOrEqual(before - 1);
    expect(open.breakers).toEqual([
      { upstream, state: expect.stringMatching(/^(open|half_open)$/), since: open.since },
    ]);
    // The same failovers the metrics count, from the breaker's opening on.
    const metrics = (await s.app.api.call('GET', '/metrics')).text;
    const counted = metricSum(metrics, 'switchboard_failovers_total', {
      mode: 'automatic',
      from_model: primary.name,
      to_model: backup.name,
    });
    expect(open.failed_over).toBeGreaterThanOrEqual(4);
    expect(open.failed_over).toBeLessThan(counted); // the attempts before it opened are not in it
    expect(open.routes.reduce((n: number, r: { count: number }) => n + r.count, 0)).toBe(
      open.failed_over,
    );
    expect(open.routes.every((r: any) => r.from_model === primary.name)).toBe(true);

    s.stub.faults.clear();
    await waitUntil(async () => {
      await complete(); // once a probe is due, this one probes the healthy primary
      return !(await activity()).active;
    }, 'the breaker closed again');
    expect(await activity()).toMatchObject({ active: false, since: null, failed_over: 0 });
  });
});
