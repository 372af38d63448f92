import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { completionBody, startStack, Stack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';

const PRIMARY = { provider: 'vertex-ai', model: 'code-gecko@002' };
const BACKUP = 'claude-3-5-sonnet-20240620';
const PRIMARY_UPSTREAM = `${PRIMARY.provider}/${PRIMARY.model}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A completion whose client (an IDE as the user keeps typing) closes the connection after `ms`. */
function completionDroppedAfter(url: string, token: string, ms: number): Promise<void> {
  const u = new URL(url);
  const body = JSON.stringify(completionBody());
  return new Promise<void>((resolve) => {
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: '/api/v4/code_suggestions/completions',
      method: 'POST',
      headers: {
        'private-token': token,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    req.on('error', () => undefined);
    req.end(body);
    setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
  });
}

/** Samples of one metric from a Prometheus text scrape, labels parsed. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of a metric's samples whose labels include `match`. */
function metricSum(text: string, name: string, match: Record<string, string>): number {
  return samples(text, name)
    .filter((x) => Object.entries(match).every(([k, v]) => x.labels[k] === v))
    .reduce((a, x) => a + x.value, 0);
}

describe('automatic failover with the stub gateway faults', () => {
  let s: Stack;
  let token: string;
  const complete = () =>
    s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token,
      body: completionBody(),
    });
  const upstreamModels = (from: number) =>
    s.stub.requests
      .slice(from)
      .filter((r) => r.path.startsWith('/v2'))
      .map((r) => (r.body as { model_name: string }).model_name);

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
    expect(metrics.text).not.toMatch(
      /switchboard_breaker_state\{upstream="vertex-ai\/code-gecko@002"\} 2/,
    );
  });

  it('clients that give up (an IDE cancelling as the user types) do not count against the model', async () => {
    s.stub.faults.add({ ...PRIMARY, latencyMs: 300 });
    // The IDE closes the connection (as the language server does when the user keeps typing).
    const u = new URL(s.app.url);
    const body = JSON.stringify(completionBody());
    await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<void>((resolve) => {
            const req = http.request({
              host: u.hostname,
              port: u.port,
              path: '/api/v4/code_suggestions/completions',
              method: 'POST',
              headers: {
                'private-token': token,
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(body),
              },
            });
            req.on('error', () => undefined);
            req.end(body);
            setTimeout(() => {
              req.destroy();
              resolve();
            }, 50);
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 400));
    s.stub.faults.clear();
    const r = await complete();
    expect(r.status).toBe(200);
    expect(r.body.choices[0].text).toContain(PRIMARY.model);
  });

  it('primary hard down under steady load: <= 5 failed upstream calls, 0 user-visible errors, back on the primary after recovery', async () => {
    s.stub.clearRequests();
    s.stub.faults.add({ ...PRIMARY, status: 503 });
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await complete());
    const failedPrimary = s.stub.requests.filter(
      (r) => (r.body as { model_name?: string }).model_name === PRIMARY.model,
    ).length;
    expect(answers.filter((a) => a.status !== 200)).toHaveLength(0);
    expect(answers.every((a) => a.body.choices[0].text.includes(BACKUP))).toBe(true);
    expect(failedPrimary).toBeLessThanOrEqual(5);
    const metrics = await s.app.api.call('GET', '/metrics');
    expect(metrics.text).toMatch(
      /switchboard_breaker_state\{upstream="vertex-ai\/code-gecko@002"\} 2/,
    );
    expect(metrics.text).toMatch(/switchboard_failovers_total\{mode="automatic"\} \d+/);

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
      const from = s.stub.requests.length;
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
    const from = s.stub.requests.length;
    s.stub.faults.add({ ...PRIMARY, status: 503 });
    const downAt = Date.now();
    const workers = Array.from({ length: WORKERS }, worker);
    await sleep(3000); // < FAILOVER_HALF_OPEN_AFTER_MS: detection only, no probe yet
    const failedPrimary = s.stub.requests
      .slice(from)
      .filter((r) => (r.body as { model_name?: string }).model_name === PRIMARY.model).length;
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
    s.stub.faults.add({ ...PRIMARY, latencyMs: 5000 });
    const started = Date.now();
    const r = await complete();
    expect(r.status).toBe(200);
    expect(r.body.choices[0].text).toContain(BACKUP);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('connection dropped before headers: exactly one retry, then failover; the user gets a completion', async () => {
    s.stub.faults.add({ ...PRIMARY, closeConnection: true });
    const from = s.stub.requests.length;
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
      const from = s.stub.requests.length;
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

describe('half-open probes (short half-open time)', () => {
  let s: Stack;
  let token: string;
  const HALF_OPEN_MS = 800;
  const complete = (t = token) =>
    s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token: t,
      body: completionBody(),
    });
  const directAccess = () =>
    s.app.api.call('POST', '/api/v4/code_suggestions/direct_access', { token, body: {} });
  const breakerState = async () =>
    samples((await s.app.api.call('GET', '/metrics')).text, 'switchboard_breaker_state').find(
      (x) => x.labels.upstream === PRIMARY_UPSTREAM,
    )?.value;
  const openPrimaryBreaker = async () => {
    s.stub.faults.add({ ...PRIMARY, status: 503 });
    for (let i = 0; i < 5; i++) expect((await complete()).status).toBe(200);
    expect(await breakerState()).toBe(2);
  };
  /** Closes the breaker again (primary healthy, probe succeeds) so each test starts closed. */
  const recover = async () => {
    s.stub.faults.clear();
    for (let i = 0; i < 50 && (await breakerState()) !== 0; i++) {
      await complete();
      await sleep(100);
    }
    expect(await breakerState()).toBe(0);
  };

  beforeAll(async () => {
    s = await startStack({
      env: {
        FAILOVER_HALF_OPEN_AFTER_MS: String(HALF_OPEN_MS),
        FAILOVER_ATTEMPT_TIMEOUT_MS: '400',
        GATEWAY_TIMEOUT_MS: '3000',
        RATE_LIMIT_COMPLETIONS_PER_MINUTE: '100000',
        RATE_LIMIT_DIRECT_ACCESS_PER_MINUTE: '100000',
      },
    });
    token = (await s.f.seatedUser()).user.token;
  }, 60_000);
  afterAll(() => s?.close(), 30_000);
  afterEach(() => recover(), 15_000);

  it('a half-open probe whose client goes away does not close the breaker while the primary is down', async () => {
    await openPrimaryBreaker();
    await sleep(HALF_OPEN_MS + 100);
    s.stub.faults.clear();
    s.stub.faults.add({ ...PRIMARY, status: 503, latencyMs: 300 }); // still down, answers slowly
    const from = s.stub.requests.length;
    await completionDroppedAfter(s.app.url, token, 100);
    await sleep(500);
    // The probe reached the primary and ran to its verdict, although its client had left.
    expect(
      s.stub.requests
        .slice(from)
        .filter((r) => (r.body as { model_name?: string }).model_name === PRIMARY.model),
    ).toHaveLength(1);
    expect(await breakerState()).toBe(2);
    expect((await directAccess()).status).toBe(403);
  }, 20_000);

  it('direct access stays 403 past the half-open time until a probe has succeeded', async () => {
    await openPrimaryBreaker();
    await sleep(HALF_OPEN_MS + 100);
    const denied = await directAccess();
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ message: '403 Forbidden - Direct connections are disabled' });
    const explain = await s.app.api.call(
      'GET',
      `/api/v4/code_suggestions/routing?user=${(await s.app.api.call('GET', '/api/v4/user', { token })).body.username}`,
      { token: s.app.rootToken },
    );
    expect(JSON.stringify(explain.body)).toMatch(/not closed yet/);

    s.stub.faults.clear();
    const probe = await complete();
    expect(probe.body.choices[0].text).toContain(PRIMARY.model);
    expect(await breakerState()).toBe(0);
    expect((await directAccess()).status).toBe(201);
  }, 20_000);

  it('an upstream 429 counts neither as a success nor as a failure for the breaker', async () => {
    const answers: number[] = [];
    s.stub.faults.add({ ...PRIMARY, status: 503 });
    for (let i = 0; i < 4; i++) answers.push((await complete()).status);
    s.stub.faults.clear();
    s.stub.faults.add({ ...PRIMARY, status: 429 });
    const limited = await complete();
    expect(limited.status).toBe(429); // passed through, with its Retry-After
    expect(limited.headers.get('retry-after')).toBe('1');
    s.stub.faults.clear();
    s.stub.faults.add({ ...PRIMARY, status: 503 });
    answers.push((await complete()).status);
    expect(answers).toEqual([200, 200, 200, 200, 200]); // failed over
    // 4 + 1 consecutive failures: the 429 did not reset the count (without the fix: still 0)
    expect(await breakerState()).toBe(2);
  }, 20_000);

  it('requests arriving during a slow probe fail over at once instead of waiting for it', async () => {
    await openPrimaryBreaker();
    await sleep(HALF_OPEN_MS + 100);
    s.stub.faults.clear();
    s.stub.faults.add({ ...PRIMARY, latencyMs: 350 }); // recovering, but slow to answer
    const probe = complete();
    await sleep(30);
    const timed = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const t0 = Date.now();
        const r = await complete();
        return { ms: Date.now() - t0, r };
      }),
    );
    for (const { ms, r } of timed) {
      expect(r.status).toBe(200);
      expect(r.body.choices[0].text).toContain(BACKUP);
      expect(ms).toBeLessThan(250); // without the fix: ~320 ms waiting + a 350 ms primary call
    }
    expect((await probe).body.choices[0].text).toContain(PRIMARY.model);
  }, 20_000);
});

describe('manual failover mode (mode: manual in the catalogue)', () => {
  let s: Stack;
  let token: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-models-manual-'));

  beforeAll(async () => {
    const models = fs
      .readFileSync(path.join(__dirname, '../../config/models.yml'), 'utf8')
      .replace(/^(\s+)mode: automatic$/m, '$1mode: manual');
    expect(models).toMatch(/mode: manual/);
    fs.writeFileSync(path.join(dir, 'models.yml'), models);
    s = await startStack({
      env: {
        MODELS_FILE: path.join(dir, 'models.yml'),
        FAILOVER_BREAKER_THRESHOLD: '5',
        RATE_LIMIT_COMPLETIONS_PER_MINUTE: '100000',
      },
    });
    token = (await s.f.seatedUser()).user.token;
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 30_000);
  afterEach(() => s.stub.faults.clear());

  it('no breaker blocks the primary: every request reaches it and gets its answer, none "circuit open"', async () => {
    s.stub.faults.add({ ...PRIMARY, status: 503 });
    const from = s.stub.requests.length;
    const answers = [];
    for (let i = 0; i < 8; i++) {
      answers.push(
        await s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
          token,
          body: completionBody(),
        }),
      );
    }
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(503));
    expect(answers.every((a) => !a.text.includes('circuit open'))).toBe(true);
    const primaryCalls = s.stub.requests
      .slice(from)
      .filter((r) => (r.body as { model_name?: string }).model_name === PRIMARY.model);
    expect(primaryCalls).toHaveLength(8);
    expect(
      (await s.app.api.call('POST', '/api/v4/code_suggestions/direct_access', { token, body: {} }))
        .status,
    ).toBe(201);
  });

  it('explain lists a breaker state for every catalogue model, used or not', async () => {
    const { user } = await s.f.seatedUser();
    const explain = await s.app.api.call(
      'GET',
      `/api/v4/code_suggestions/routing?user=${user.username}`,
      { token: s.app.rootToken },
    );
    expect(explain.status).toBe(200);
    expect(explain.body.breakers).toMatchObject({
      'vertex-ai/code-gecko@002': 'closed',
      'vertex-ai/codestral@2405': 'closed',
      [`anthropic/${BACKUP}`]: 'closed',
    });
  });

  it('the flag still fails over', async () => {
    s.stub.faults.add({ ...PRIMARY, status: 503 });
    await s.f.setFlag('incident_fail_over_completion_provider', { value: true });
    try {
      const r = await s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
        token,
        body: completionBody(),
      });
      expect(r.status).toBe(200);
      expect(r.body.choices[0].text).toContain(BACKUP);
    } finally {
      await s.app.api.call('DELETE', '/api/v4/features/incident_fail_over_completion_provider', {
        token: s.app.rootToken,
      });
    }
  });
});

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
        FAILOVER_ATTEMPT_TIMEOUT_MS: '400',
        GATEWAY_TIMEOUT_MS: '3000',
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

  it("own overhead excludes a failed primary attempt's upstream time; every attempt is an upstream observation", async () => {
    const before = await scrape();
    s.stub.faults.add({ ...PRIMARY, latencyMs: 2000 }); // beyond the 400 ms attempt budget
    const r = await complete();
    expect(r.status).toBe(200);
    expect(r.body.choices[0].text).toContain(BACKUP);
    const after = await scrape();
    const delta = (name: string, match: Record<string, string>) =>
      metricSum(after, name, match) - metricSum(before, name, match);
    const overhead = delta('switchboard_overhead_seconds_sum', { endpoint: 'completions' });
    expect(delta('switchboard_overhead_seconds_count', { endpoint: 'completions' })).toBe(1);
    expect(overhead).toBeLessThan(0.2); // without the fix: >= 0.4 s (the timed-out primary)
    expect(delta('switchboard_upstream_seconds_count', { model: PRIMARY.model })).toBe(1);
    expect(delta('switchboard_upstream_seconds_sum', { model: PRIMARY.model })).toBeGreaterThan(
      0.35,
    );
    expect(delta('switchboard_upstream_seconds_count', { model: BACKUP })).toBe(1);
  });
});
