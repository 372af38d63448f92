import { UpstreamTokenService } from '../../../src/code-suggestions/upstream-token.service';
import type { AppConfig } from '../../../src/config/app-config';
import type { MetricsService } from '../../../src/observability/metrics.service';
import type { JwtIssuerService } from '../../../src/tokens/jwt-issuer.service';
import type {
  UserTokenRequest,
  UserTokenSource,
} from '../../../src/tokens/user-token-source.interface';

/** A source that mints `t1`, `t2`, … living `ttlSeconds` (self-signed) or a fixed life (gateway). */
function source(kind: UserTokenSource['kind'], fixedLifeSec?: number) {
  const asked: UserTokenRequest[] = [];
  const s: UserTokenSource = {
    kind,
    signerId: () => 'kid-1',
    tokenFor: (input) => {
      asked.push(input);
      const life = fixedLifeSec ?? input.ttlSeconds ?? 3600;
      return Promise.resolve({
        token: `t${asked.length}`,
        expiresAt: Math.floor(Date.now() / 1000) + life,
      });
    },
  };
  return { s, asked };
}

const service = (s: UserTokenSource, lifetimeSec: number) =>
  new UpstreamTokenService(
    {} as JwtIssuerService,
    s,
    { tokenIssued: () => undefined } as unknown as MetricsService,
    { directAccess: { tokenLifetimeSec: lifetimeSec } } as AppConfig,
  );

const request: UserTokenRequest = {
  globalUserId: 'u1',
  realm: 'self-managed',
  instanceId: 'i1',
  scopes: ['complete_code'],
  extra: { model_name: 'codestral-2508' },
};
const nowSec = () => Math.floor(Date.now() / 1000);

describe('UpstreamTokenService.forClient (direct-access tokens)', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-08T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('asks the source for a token of the configured lifetime and reports its own expiry', async () => {
    const { s, asked } = source('self_signed');
    const t = await service(s, 110).forClient(request);
    expect(asked[0].ttlSeconds).toBe(110);
    expect(t).toEqual({ token: 't1', expiresAt: nowSec() + 110 });
  });

  it('hands a token out again only while the client would wait >= 60 s to re-ask (>= 100 s left)', async () => {
    const { s } = source('self_signed');
    const svc = service(s, 110);
    const first = await svc.forClient(request);
    jest.advanceTimersByTime(10_000); // 100 s left: the client re-asks in 60 s
    expect((await svc.forClient(request)).token).toBe(first.token);
    jest.advanceTimersByTime(1_000); // 99 s left: it would re-ask within a minute
    const next = await svc.forClient(request);
    expect(next.token).not.toBe(first.token);
    expect(next.expiresAt).toBe(nowSec() + 110);
  });

  it('a new decision gets a new token at once (the claims are part of the key)', async () => {
    const { s } = source('self_signed');
    const svc = service(s, 110);
    const first = await svc.forClient(request);
    const other = await svc.forClient({ ...request, extra: { model_name: 'claude' } });
    expect(other.token).not.toBe(first.token);
  });

  it('a gateway token living an hour is reused, reported as expiring at most the lifetime from now', async () => {
    const { s, asked } = source('gateway', 3600);
    const svc = service(s, 110);
    expect((await svc.forClient(request)).expiresAt).toBe(nowSec() + 110);
    jest.advanceTimersByTime(120_000);
    const again = await svc.forClient(request);
    expect(again).toEqual({ token: 't1', expiresAt: nowSec() + 110 });
    expect(asked).toHaveLength(1);
  });

  it('never hands out a token the client would refresh at once (<= 40 s left): 503', async () => {
    const { s } = source('gateway', 30);
    await expect(service(s, 110).forClient(request)).rejects.toMatchObject({
      code: 'service_unavailable',
    });
  });
});
