import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { completionBody, startStack, Stack } from '../support/stack';
import {
  PRIMARY,
  BACKUP,
  PRIMARY_UPSTREAM,
  sleep,
  completionDroppedAfter,
  samples,
  servedModel,
} from '../support/failover-helpers';
import { shippedCatalogue, upstreamsOf } from '../support/catalogue';
import { waitUntil } from '../support/wait';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

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
    const from = s.mark();
    await completionDroppedAfter(s.app.url, token, 100);
    const toPrimary = () => s.since(from).filter((r) => servedModel(r) === PRIMARY.model);
    // The probe reached the primary and ran to its verdict, although its client had left: wait
    // for the stub's answer and the breaker to leave half-open (1), however slow the machine.
    await waitUntil(
      async () => toPrimary().some((r) => r.outcome !== 'pending') && (await breakerState()) !== 1,
      'the probe is answered and the breaker leaves half-open',
    );
    expect(toPrimary()).toHaveLength(1);
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
});

// Its own stack: the probe must stay slow for longer than six requests take on a loaded machine,
// which the 400 ms attempt timeout above would not allow.
describe('half-open probes (a probe slower than any request)', () => {
  let s: Stack;
  let token: string;
  const HALF_OPEN_MS = 800;
  const PROBE_MS = 10_000;
  const complete = () =>
    s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token,
      body: completionBody(),
    });
  const breakerState = async () =>
    samples((await s.app.api.call('GET', '/metrics')).text, 'switchboard_breaker_state').find(
      (x) => x.labels.upstream === PRIMARY_UPSTREAM,
    )?.value;

  beforeAll(async () => {
    s = await startStack({
      env: {
        FAILOVER_HALF_OPEN_AFTER_MS: String(HALF_OPEN_MS),
        FAILOVER_ATTEMPT_TIMEOUT_MS: '60000',
        GATEWAY_TIMEOUT_MS: '60000',
        RATE_LIMIT_COMPLETIONS_PER_MINUTE: '100000',
      },
    });
    token = (await s.f.seatedUser()).user.token;
  }, 60_000);
  afterAll(() => s?.close(), 30_000);

  it('requests arriving during a slow probe fail over at once instead of waiting for it', async () => {
    s.stub.faults.add({ ...PRIMARY, status: 503 });
    for (let i = 0; i < 5; i++) expect((await complete()).status).toBe(200);
    expect(await breakerState()).toBe(2);
    await sleep(HALF_OPEN_MS + 100);
    s.stub.faults.clear();
    s.stub.faults.add({ ...PRIMARY, latencyMs: PROBE_MS }); // recovering, but slow to answer
    s.stub.clearRequests();
    let probeSettled = false;
    const probe = complete().finally(() => (probeSettled = true));
    // the probe is at the primary before the other requests arrive
    await waitUntil(
      () => s.stub.requests.some((r) => r.outcome === 'pending'),
      'the probe reaches the primary',
    );
    const answers = await Promise.all(Array.from({ length: 6 }, () => complete()));
    // all answered by the backup while the probe still waits (without the fix: they wait for
    // the probe, then call the primary)
    expect(probeSettled).toBe(false);
    for (const r of answers) {
      expect(r.status).toBe(200);
      expect(r.body.choices[0].text).toContain(BACKUP);
    }
    expect((await probe).body.choices[0].text).toContain(PRIMARY.model);
  }, 60_000);
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
    const from = s.mark();
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
    const primaryCalls = s.since(from).filter((r) => servedModel(r) === PRIMARY.model);
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
    const everyModel = upstreamsOf(shippedCatalogue());
    expect(everyModel.length).toBeGreaterThanOrEqual(3); // the default, the beta and the backup
    expect(explain.body.breakers).toMatchObject(
      Object.fromEntries(everyModel.map((u) => [u, 'closed'])),
    );
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
