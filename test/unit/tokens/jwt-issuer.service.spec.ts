import { createPublicKey } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { DomainError } from '../../../src/common/errors/domain-error';
import { JwtIssuerService, lifetimeOf } from '../../../src/tokens/jwt-issuer.service';
import type { SigningKeyService } from '../../../src/tokens/signing-key.service';
import { quietLogs, signingKeyService, T0, TestClock } from './tokens-fakes';

const CLAIMS = {
  sub: 'instance-uuid-1',
  scopes: ['complete_code', 'generate_code'],
  realm: 'self-managed' as const,
  instanceId: 'instance-uuid-1',
};

// beforeAll generates a real RSA-2048 key: a random time, seconds on a loaded machine.
jest.setTimeout(60_000);

describe('JwtIssuerService', () => {
  const clock = new TestClock();
  let keys: SigningKeyService;
  let issuer: JwtIssuerService;

  beforeAll(async () => {
    quietLogs();
    const built = signingKeyService({ tuning: { now: clock.now } });
    await built.service.onModuleInit();
    keys = built.service;
    issuer = new JwtIssuerService(built.config, keys, { now: clock.now });
  });
  afterAll(() => keys.onModuleDestroy());
  beforeEach(() => (clock.ms = Date.now()));

  async function verify(token: string) {
    return jwtVerify(token, createLocalJWKSet(await keys.jwks()), {
      issuer: 'http://switchboard.test',
      audience: 'gitlab-ai-gateway',
      algorithms: ['RS256'],
    });
  }

  it('signs the contract claims, verifiable with the published JWKS', async () => {
    const { token, expiresAt } = await issuer.issue({
      ...CLAIMS,
      extra: { model_provider: 'vertex-ai', model_name: 'codestral@2405', feature_flags: 'a,b' },
    });
    const { payload, protectedHeader } = await verify(token);
    const now = Math.floor(clock.ms / 1000);
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: keys.signingKey().kid, typ: 'JWT' });
    expect(payload).toEqual({
      iss: 'http://switchboard.test',
      aud: 'gitlab-ai-gateway',
      sub: 'instance-uuid-1',
      iat: now,
      nbf: now - 5,
      exp: now + 3600,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      gitlab_realm: 'self-managed',
      gitlab_instance_id: 'instance-uuid-1',
      // The gateway attributes a self-managed instance's usage to this claim.
      gitlab_instance_uid: 'instance-uuid-1',
      scopes: ['complete_code', 'generate_code'],
      model_provider: 'vertex-ai',
      model_name: 'codestral@2405',
      feature_flags: 'a,b',
    });
    expect(expiresAt).toBe(now + 3600);
  });

  it('carries gitlab_instance_uid only on self-managed tokens, and extra cannot change it', async () => {
    const selfManaged = await issuer.issue({ ...CLAIMS, extra: { gitlab_instance_uid: 'x' } });
    expect((await verify(selfManaged.token)).payload.gitlab_instance_uid).toBe('instance-uuid-1');
    const saas = await issuer.issue({ ...CLAIMS, realm: 'saas' });
    expect((await verify(saas.token)).payload).not.toHaveProperty('gitlab_instance_uid');
  });

  it('gives every token its own jti', async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, () => issuer.issue(CLAIMS)));
    const jtis = await Promise.all(tokens.map(async (t) => (await verify(t.token)).payload.jti));
    expect(new Set(jtis).size).toBe(20);
  });

  it.each([
    [undefined, 3600],
    [60, 60],
    [3600, 3600],
    [7200, 3600],
    [0, 1],
    [-5, 1],
    [90.7, 90],
  ])('ttlSeconds %p gives a lifetime of %p s (never over 1 h)', async (ttl, expected) => {
    expect(lifetimeOf(ttl)).toBe(expected);
    const { token, expiresAt } = await issuer.issue({ ...CLAIMS, ttlSeconds: ttl });
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
      iat: number;
      exp: number;
    };
    expect(payload.exp - payload.iat).toBe(expected);
    expect(expiresAt).toBe(payload.exp);
  });

  it('does not let extra claims override registered or identity claims', async () => {
    const { token } = await issuer.issue({
      ...CLAIMS,
      extra: {
        iss: 'evil',
        aud: 'other',
        exp: 9999999999,
        sub: 'x',
        scopes: ['all'],
        gitlab_realm: 'saas',
      },
    });
    const { payload } = await verify(token);
    expect(payload).toMatchObject({
      iss: 'http://switchboard.test',
      aud: 'gitlab-ai-gateway',
      sub: 'instance-uuid-1',
      scopes: ['complete_code', 'generate_code'],
      gitlab_realm: 'self-managed',
    });
    expect(payload.exp).toBeLessThanOrEqual(Math.floor(clock.ms / 1000) + 3600);
  });

  it('uses the new kid right after a rotation', async () => {
    const before = await issuer.issue(CLAIMS);
    const { kid } = await keys.rotate({ id: 1, name: 'root' }, { immediate: true });
    const after = await issuer.issue(CLAIMS);
    expect(decodeProtectedHeader(before.token).kid).not.toBe(kid);
    expect(decodeProtectedHeader(after.token).kid).toBe(kid);
    await expect(verify(before.token)).resolves.toBeDefined();
    await expect(verify(after.token)).resolves.toBeDefined();
  });

  it('answers service_unavailable when no key can sign', async () => {
    const notStarted = signingKeyService();
    const broken = new JwtIssuerService(notStarted.config, notStarted.service, { now: () => T0 });
    await expect(broken.issue(CLAIMS)).rejects.toMatchObject({
      code: 'service_unavailable',
      message: 'No signing key is available to create a token',
    });
  });

  it('answers service_unavailable when the signature fails', async () => {
    const publicOnly = createPublicKey(keys.signingKey().privateKey);
    const badKeys = {
      signingKey: () => ({ kid: 'k', privateKey: publicOnly }),
    } as unknown as SigningKeyService;
    const broken = new JwtIssuerService(signingKeyService().config, badKeys, { now: () => T0 });
    const failure = broken.issue(CLAIMS);
    await expect(failure).rejects.toBeInstanceOf(DomainError);
    await expect(failure).rejects.toMatchObject({ code: 'service_unavailable' });
  });
});
