import { completionBody, startStack, Stack } from '../support/stack';
import { metricSum, PRIMARY_UPSTREAM } from '../support/failover-helpers';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

/**
 * Our own errors are never provider failures: a gateway request we cannot build (here an
 * identity header whose value HTTP cannot carry, from the configured GitLab version) is a 500
 * with an error id, counted as ours, and
 * neither trips the model's breaker nor closes direct access.
 */
describe('completions: a request we could not build is our 500, not a gateway failure', () => {
  let s: Stack;
  const THRESHOLD = 2;
  const COMPLETIONS = '/api/v4/code_suggestions/completions';

  beforeAll(async () => {
    s = await startStack({
      env: {
        FAILOVER_BREAKER_THRESHOLD: String(THRESHOLD),
        GATEWAY_TIMEOUT_MS: '3000',
        // X-Gitlab-Version carries it; U+2603 cannot go into an HTTP header.
        GITLAB_VERSION: '18.6.0-snow\u2603',
      },
    });
  }, 60_000);
  afterAll(() => s?.close(), 30_000);

  it('answers 500 with an error id, sends nothing upstream, leaves the breaker closed and direct access open', async () => {
    const { user } = await s.f.seatedUser();
    const from = s.mark();
    for (let i = 0; i < THRESHOLD * 3; i++) {
      const r = await s.app.api.call('POST', COMPLETIONS, {
        token: user.token,
        body: completionBody(),
      });
      expect(r.status).toBe(500);
      expect(r.body).toEqual({
        message: '500 Internal Server Error',
        error_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    }
    // no suggestion request on any API (the default is /v4, a v2 fallback would be /v2)
    expect(s.since(from).filter((r) => /^\/v[2-4]\//.test(r.path))).toEqual([]);

    const metrics = (await s.app.api.call('GET', '/metrics')).text;
    expect(metricSum(metrics, 'switchboard_breaker_state', { upstream: PRIMARY_UPSTREAM })).toBe(0);
    expect(
      metricSum(metrics, 'switchboard_requests_total', { endpoint: COMPLETIONS, status: '500' }),
    ).toBe(THRESHOLD * 3);

    const direct = await s.app.api.call('POST', '/api/v4/code_suggestions/direct_access', {
      token: user.token,
      body: {},
    });
    expect(direct.status).toBe(201);
  }, 60_000);
});
