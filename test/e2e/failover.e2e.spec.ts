import * as http from 'node:http';
import { completionBody, startStack, Stack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';
import {
  PRIMARY,
  BACKUP,
  PRIMARY_UPSTREAM,
  sleep,
  completionDroppedAfter,
  metricSum,
  servedModel,
} from '../support/failover-helpers';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

describe('automatic failover with the stub gateway faults', () => {
  let s: Stack;
  let token: string;
  const complete = () =>
    s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token,
      body: completionBody(),
    });
  /** The models that served the completions the stub received since `from` (v2 and v4 alike). */
  const upstreamModels = (from: number) =>
    s
      .since(from)
      .map(servedModel)
      .filter((m) => m !== undefined);
  const toPrimary = (from: number) =>
    s.since(from).filter((r) => servedModel(r) === PRIMARY.model).length;
  /** The primary's breaker state in a scrape: 0 closed, 2 open. */
  const primaryBreaker = (metrics: string) =>
    metricSum(metrics, 'switchboard_breaker_state', { upstream: PRIMARY_UPSTREAM });

  beforeAll(async () => {
    s = await startStack({
      env: {
        FAILOVER_HALF_OPEN_AFTER_MS: '4000',
        FAILOVER_ATTEMPT_TIMEOUT_MS: '400',
        GATEWAY_TIMEOUT_MS: '3000',
        RATE_LIMIT_COMPLETIONS_PER_MINUTE: '100000',
      },
    });
    token = (await s.f.seatedUser()).user.token;
  }, 60_000);
  afterAll(() => s?.close(), 30_000);
  afterEach(() => s.stub.faults.clear());

  it('4xx caused by the request does not trip the breaker and is passed through', async () => {
    s.stub.faults.add({ ...PRIMARY, status: 422, body: { detail: 'bad request' } });
    for (let i = 0; i < 7; i++) expect((await complete()).status).toBe(422);
    const metrics = await s.app.api.call('GET', '/metrics');
    expect(primaryBreaker(metrics.text)).toBe(0);
  });

  it('clients that give up (an IDE cancelling as the user types) do not count against the model', async () => {
    s.stub.faults.add({ ...PRIMARY, latencyMs: 300 });
    // The IDE closes the connection (as the language server does when the user keeps typing).
    await Promise.all(
      Array.from({ length: 8 }, () => completionDroppedAfter(s.app.url, token, 50)),
    );
    await new Promise((r) => setTimeout(r, 400));
    s.stub.faults.clear();
    const r = await complete();
    expect(r.status).toBe(200);
    expect(r.body.choices[0].text).toContain(PRIMARY.model);
  });

  it('primary hard down under steady load: <= 5 failed upstream calls, 0 user-visible errors, back on the primary after recovery', async () => {
    const down = s.mark();
    s.stub.faults.add({ ...PRIMARY, status: 503 });
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await complete());
    const failedPrimary = toPrimary(down);
    expect(answers.filter((a) => a.status !== 200)).toHaveLength(0);
    expect(answers.every((a) => a.body.choices[0].text.includes(BACKUP))).toBe(true);
    expect(failedPrimary).toBeLessThanOrEqual(5);
    const metrics = await s.app.api.call('GET', '/metrics');
    expect(primaryBreaker(metrics.text)).toBe(2);
    expect(metrics.text).toMatch(/switchboard_failovers_total\{mode="automatic",[^}]*\} \d+/);

    // while the breaker is open, direct access sends IDEs through us
    const direct = await s.app.api.call('POST', '/api/v4/code_suggestions/direct_access', {
      token,
      body: {},
    });
    expect(direct.status).toBe(403);

    // primary recovers: a half-open probe brings traffic back
    s.stub.faults.clear();
    const recoveredAt = Date.now();
    let back = false;
    while (Date.now() - recoveredAt < 30_000) {
      const from = s.mark();
      const r = await complete();
      expect(r.status).toBe(200);
      if (
        upstreamModels(from).at(-1) === PRIMARY.model &&
        r.body.choices[0].text.includes(PRIMARY.model)
      ) {
        back = true;
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(back).toBe(true);
    const recoveryMs = Date.now() - recoveredAt;
    expect(recoveryMs).toBeLessThan(30_000);
    process.stdout.write(
      `failover figures: failed primary calls during detection=${failedPrimary}, recovery=${recoveryMs} ms\n`,
    );
    expect(
      (await s.app.api.call('POST', '/api/v4/code_suggestions/direct_access', { token, body: {} }))
        .status,
    ).toBe(201);
  }, 60_000);

  it('primary hard down under concurrent steady load: 0 user-visible errors, failed primary calls bounded, back on the primary after recovery', async () => {
    const WORKERS = 12;
    const THRESHOLD = 5;
    let stop = false;
    let userErrors = 0;
    let served = 0;
    let lastPrimaryAnswerAt = 0;
    const worker = async () => {
      while (!stop) {
        const r = await complete();
        served++;
        if (r.status !== 200) userErrors++;
        else if (r.body.choices[0].text.includes(PRIMARY.model)) lastPrimaryAnswerAt = Date.now();
      }
    };
    const from = s.mark();
    s.stub.faults.add({ ...PRIMARY, status: 503 });
    const downAt = Date.now();
    const workers = Array.from({ length: WORKERS }, worker);
    await sleep(3000); // < FAILOVER_HALF_OPEN_AFTER_MS: detection only, no probe yet
    const failedPrimary = toPrimary(from);
    const servedWhileDown = served;

    s.stub.faults.clear();
    const recoveredAt = Date.now();
    while (Date.now() - recoveredAt < 30_000 && lastPrimaryAnswerAt < recoveredAt) await sleep(50);
    stop = true;
    await Promise.all(workers);
    const recoveryMs = lastPrimaryAnswerAt - recoveredAt;
    process.stdout.write(
      `concurrent failover figures (${WORKERS} workers): failed primary calls during detection=${failedPrimary}, ` +
        `requests served while down=${servedWhileDown} in ${recoveredAt - downAt} ms, recovery=${recoveryMs} ms, ` +
        `user-visible errors=${userErrors}\n`,
    );
    expect(userErrors).toBe(0);
    // Requests already in flight when the breaker opens still fail on the primary (then fail
    // over): at most one per worker beyond the threshold.
    expect(failedPrimary).toBeGreaterThanOrEqual(THRESHOLD);
    expect(failedPrimary).toBeLessThanOrEqual(THRESHOLD + WORKERS);
    expect(lastPrimaryAnswerAt).toBeGreaterThan(recoveredAt);
    expect(recoveryMs).toBeLessThan(30_000);
  }, 60_000);

  it('primary slow (above the attempt budget): failover by timeout, no request hangs', async () => {
    s.stub.faults.add({ ...PRIMARY, latencyMs: 30_000 });
    const started = Date.now();
    const r = await complete();
    expect(r.status).toBe(200);
    expect(r.body.choices[0].text).toContain(BACKUP);
    // answered long before the primary would have (a bound a loaded machine cannot reach)
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('connection dropped before headers: exactly one retry, then failover; the user gets a completion', async () => {
    s.stub.faults.add({ ...PRIMARY, closeConnection: true });
    const from = s.mark();
    const r = await complete();
    expect(r.status).toBe(200);
    expect(r.body.choices[0].text).toContain(BACKUP);
    expect(upstreamModels(from)).toEqual([PRIMARY.model, PRIMARY.model, BACKUP]);
  });

  it('connection dropped after streaming started: no retry, no failover, the stream just ends', async () => {
    // A TCP proxy between us and the stub, so the connection can be cut mid-stream.
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(s.stub.url).port));
    await proxy.start();
    const settings = (body: Record<string, unknown>) =>
      s.app.api.call('PUT', '/api/v4/application/settings', { token: s.app.rootToken, body });
    expect((await settings({ ai_gateway_url: `http://127.0.0.1:${proxy.port}` })).status).toBe(200);
    try {
      s.stub.faults.add({ ...PRIMARY, stallAfterChunks: 1 });
      const from = s.mark();
      const u = new URL(s.app.url);
      const body = JSON.stringify(completionBody({ stream: true }));
      const received = await new Promise<{ status?: number; text: string }>((resolve) => {
        const req = http.request(
          {
            host: u.hostname,
            port: u.port,
            path: '/api/v4/code_suggestions/completions',
            method: 'POST',
            headers: {
              'private-token': token,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => {
              text += c.toString();
              proxy.goAway(); // the first piece arrived: streaming has started
            });
            const done = () => resolve({ status: res.statusCode, text });
            res.on('end', done);
            res.on('error', done);
            res.on('close', done);
          },
        );
        req.on('error', () => resolve({ text: '' }));
        req.end(body);
      });
      expect(received.status).toBe(200);
      expect(received.text).not.toBe('');
      await sleep(300);
      expect(upstreamModels(from)).toEqual([PRIMARY.model]);
    } finally {
      await settings({ ai_gateway_url: null });
      await proxy.stop();
    }
  });

  it('manual flag with breakers closed: everyone on the backup, direct access 403', async () => {
    await s.f.setFlag('incident_fail_over_completion_provider', { value: true });
    try {
      const r = await complete();
      expect(r.body.choices[0].text).toContain(BACKUP);
      const other = await s.f.seatedUser();
      const r2 = await s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
        token: other.user.token,
        body: completionBody(),
      });
      expect(r2.body.choices[0].text).toContain(BACKUP);
      expect(
        (
          await s.app.api.call('POST', '/api/v4/code_suggestions/direct_access', {
            token: other.user.token,
            body: {},
          })
        ).status,
      ).toBe(403);
    } finally {
      await s.app.api.call('DELETE', '/api/v4/features/incident_fail_over_completion_provider', {
        token: s.app.rootToken,
      });
    }
  });
});
