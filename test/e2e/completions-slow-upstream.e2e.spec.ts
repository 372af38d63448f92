import { shippedCatalogue } from '../support/catalogue';
import { PRIMARY } from '../support/failover-helpers';
import { completionBody, startStack, Stack } from '../support/stack';
import { waitUntil } from '../support/wait';

// Drives a booted service over HTTP: a loaded machine needs more than 5 s.
jest.setTimeout(60_000);

// Its own stack: the slow upstream must stay in flight for as long as the fast request takes on a
// loaded machine, which the 1500 ms gateway timeout of completions-errors.e2e (or the 10 s attempt
// timeout) would not allow.
describe('completions: a slow upstream', () => {
  let s: Stack;
  const SLOW_MS = 15_000;
  const beta = shippedCatalogue().completionRules.find((r) => r.kind === 'beta');
  if (beta?.kind !== 'beta') throw new Error('config/models.yml: this test needs a beta rule');
  const betaFlag = beta.flag;

  beforeAll(async () => {
    s = await startStack({
      env: { GATEWAY_TIMEOUT_MS: '60000', FAILOVER_ATTEMPT_TIMEOUT_MS: '60000' },
    });
  }, 60_000);
  afterAll(() => s?.close());
  afterEach(() => s.stub.faults.clear());

  it('does not block other requests', async () => {
    const a = await s.f.seatedUser();
    const b = await s.f.seatedUser();
    // a's requests go to the default model, which is slow; b's go to the beta model
    s.stub.faults.add({ latencyMs: SLOW_MS, fraction: 1, ...PRIMARY });
    await s.f.setFlag(betaFlag, { value: true, user: b.user.username });
    try {
      s.stub.clearRequests();
      let slowSettled = false;
      const slow = s.app.api
        .call('POST', '/api/v4/code_suggestions/completions', {
          token: a.user.token,
          body: completionBody(),
        })
        .finally(() => (slowSettled = true));
      // the slow request is held upstream before the fast one starts
      await waitUntil(
        () => s.stub.requests.some((r) => r.outcome === 'pending'),
        'the slow request reaches the stub',
      );
      const fast = await s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
        token: b.user.token,
        body: completionBody(),
      });
      expect(fast.status).toBe(200);
      // answered while the slow one is still waiting upstream: not queued behind it
      expect(slowSettled).toBe(false);
      expect((await slow).status).toBe(200);
    } finally {
      await s.app.api.call('DELETE', `/api/v4/features/${betaFlag}`, { token: s.app.rootToken });
    }
  }, 60_000);
});
