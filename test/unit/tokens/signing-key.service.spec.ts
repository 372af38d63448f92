import { DomainError } from '../../../src/common/errors/domain-error';
import { SigningKeyDecryptionError } from '../../../src/tokens/signing-key.cipher';
import { RETIRED_KEY_PUBLISHED_MS } from '../../../src/tokens/tokens.tokens';
import {
  InMemorySigningKeys,
  OTHER_SECRET,
  quietLogs,
  RecordingAudit,
  signingKeyService,
  T0,
  testConfig,
  TestClock,
} from './tokens-fakes';

const ADMIN = { id: 1, name: 'root' };
const MIN = 60_000;
/** These tests are about the key states, not about the gateway's cache: sign at once. */
const IMMEDIATE = { immediate: true };

// Each test generates real RSA-2048 keys: finding primes takes a random time, seconds on a
// loaded two-core machine, so jest's 5 s default made these tests fail by luck.
jest.setTimeout(60_000);

describe('SigningKeyService', () => {
  beforeAll(quietLogs);
  const started: { onModuleDestroy(): void }[] = [];
  afterEach(() => started.splice(0).forEach((s) => s.onModuleDestroy()));

  async function start(parts: Parameters<typeof signingKeyService>[0] = {}) {
    const built = signingKeyService(parts);
    await built.service.onModuleInit();
    started.push(built.service);
    return built;
  }

  it('creates the first key at start, stored encrypted, and signs from memory', async () => {
    const { service, repo } = await start();
    expect(repo.rows).toHaveLength(1);
    const [row] = repo.rows;
    expect(row.privateKeyEnc).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain('"d"');
    expect(service.signingKey().kid).toBe(row.kid);
    expect((await service.jwks()).keys.map((k) => k.kid)).toEqual([row.kid]);

    const findAll = jest.spyOn(repo, 'findAll');
    for (let i = 0; i < 10; i++) service.signingKey();
    expect(findAll).not.toHaveBeenCalled();
  });

  it('loads the existing key on the next start instead of creating one', async () => {
    const repo = new InMemorySigningKeys();
    const config = testConfig();
    const first = await start({ repo, config });
    const second = await start({ repo, config });
    expect(repo.rows).toHaveLength(1);
    expect(second.service.signingKey().kid).toBe(first.service.signingKey().kid);
  });

  it('stops the start with a clear message when the secret is wrong', async () => {
    const repo = new InMemorySigningKeys();
    await start({ repo });
    const wrong = signingKeyService({
      repo,
      config: testConfig({ SIGNING_KEY_SECRET: OTHER_SECRET }),
    });
    const failure = wrong.service.onModuleInit();
    await expect(failure).rejects.toBeInstanceOf(SigningKeyDecryptionError);
    await expect(failure).rejects.toThrow(
      /SIGNING_KEY_SECRET.*not the one this key was encrypted with/,
    );
  });

  it('refuses a row whose private key does not belong to its public key', async () => {
    const repo = new InMemorySigningKeys();
    const config = testConfig();
    const a = await start({ repo, config });
    const other = new InMemorySigningKeys();
    await start({ repo: other, config });
    // Same secret, but the ciphertext of another key under this kid: the AAD check catches it.
    repo.rows[0].privateKeyEnc = other.rows[0].privateKeyEnc;
    await expect(start({ repo, config })).rejects.toBeInstanceOf(SigningKeyDecryptionError);
    expect(a.service.signingKey().kid).toBe(repo.rows[0].kid);
  });

  it('publishes only public members even if the stored JWK holds more', async () => {
    const repo = new InMemorySigningKeys();
    const config = testConfig();
    await start({ repo, config });
    Object.assign(repo.rows[0].publicJwk, { d: 'secret-exponent', p: 'x' });
    const { service } = await start({ repo, config });
    const [jwk] = (await service.jwks()).keys;
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });

  describe('rotation', () => {
    it('signs with the new key at once and publishes the old one until retiredAt + 1 h + 5 min', async () => {
      const clock = new TestClock();
      const { service, audit } = await start({ tuning: { now: clock.now } });
      const oldKid = service.signingKey().kid;

      clock.advance(10 * MIN);
      const result = await service.rotate(ADMIN, IMMEDIATE);
      const retiredAt = T0 + 10 * MIN;
      expect(result).toMatchObject({
        kid: expect.any(String),
        activatesAt: new Date(retiredAt),
        previousKid: oldKid,
        previousPublishedUntil: new Date(retiredAt + 65 * MIN),
      });
      expect(RETIRED_KEY_PUBLISHED_MS).toBe(65 * MIN);
      expect(service.signingKey().kid).toBe(result.kid);
      expect((await service.jwks()).keys.map((k) => k.kid)).toEqual([result.kid, oldKid]);

      clock.advance(65 * MIN - 1);
      expect((await service.jwks()).keys.map((k) => k.kid)).toEqual([result.kid, oldKid]);
      clock.advance(1);
      expect((await service.jwks()).keys.map((k) => k.kid)).toEqual([result.kid]);

      expect(audit.entries).toEqual([
        expect.objectContaining({
          actorId: 1,
          actorName: 'root',
          action: 'signing_key.rotated',
          targetType: 'signing_key',
          targetId: result.kid,
          before: { active_kid: oldKid },
        }),
      ]);
    });

    it('lists keys without key material, with their publication window', async () => {
      const clock = new TestClock();
      const { service } = await start({ tuning: { now: clock.now } });
      const oldKid = service.signingKey().kid;
      clock.advance(MIN);
      const { kid } = await service.rotate(ADMIN, IMMEDIATE);
      const list = await service.list();
      expect(list).toEqual([
        {
          kid,
          createdAt: new Date(T0 + MIN),
          retiredAt: null,
          publishedUntil: null,
          active: true,
          published: true,
        },
        {
          kid: oldKid,
          createdAt: new Date(T0),
          retiredAt: new Date(T0 + MIN),
          publishedUntil: new Date(T0 + 66 * MIN),
          active: false,
          published: true,
        },
      ]);
    });

    it('deletes keys past their window on the next rotation', async () => {
      const clock = new TestClock();
      const { service, repo } = await start({ tuning: { now: clock.now } });
      const first = service.signingKey().kid;
      await service.rotate(ADMIN, IMMEDIATE);
      clock.advance(66 * MIN);
      await service.rotate(ADMIN, IMMEDIATE);
      expect(repo.rows.map((r) => r.kid)).not.toContain(first);
      expect(repo.rows).toHaveLength(2);
    });

    it('can publish the new key ahead of signing with it', async () => {
      const clock = new TestClock();
      const { service } = await start({ tuning: { now: clock.now } });
      const oldKid = service.signingKey().kid;
      const result = await service.rotate(ADMIN, { activateInMs: 24 * 60 * MIN });
      expect(result.activatesAt).toEqual(new Date(T0 + 24 * 60 * MIN));
      expect(result.previousPublishedUntil).toEqual(new Date(T0 + 24 * 60 * MIN + 65 * MIN));
      expect((await service.jwks()).keys.map((k) => k.kid)).toEqual([result.kid, oldKid]);
      expect(service.signingKey().kid).toBe(oldKid);

      clock.advance(24 * 60 * MIN - 1);
      expect(service.signingKey().kid).toBe(oldKid);
      clock.advance(1);
      expect(service.signingKey().kid).toBe(result.kid);
      clock.advance(65 * MIN);
      expect((await service.jwks()).keys.map((k) => k.kid)).toEqual([result.kid]);
    });
  });

  describe('rotation by default (a gateway caching our JWKS for GATEWAY_JWKS_CACHE_SECONDS)', () => {
    const DAY = 24 * 60 * MIN;

    it('publishes the new key 24 h + our publication delay before it signs', async () => {
      const clock = new TestClock();
      const tuning = { now: clock.now, jwksCacheMaxAgeSec: 300, jwksMaxStalenessMs: 5000 };
      const { service } = await start({ tuning });
      const oldKid = service.signingKey().kid;
      const result = await service.rotate(ADMIN);
      const activatesAt = T0 + DAY + 305_000;
      expect(result).toEqual({
        kid: expect.any(String),
        activatesAt: new Date(activatesAt),
        previousKid: oldKid,
        previousPublishedUntil: new Date(activatesAt + 65 * MIN),
        unsafe: false,
        gatewaysMayRefuseUntil: null,
      });
      expect((await service.jwks()).keys.map((k) => k.kid)).toEqual([result.kid, oldKid]);
      clock.advance(DAY);
      expect(service.signingKey().kid).toBe(oldKid);
      clock.advance(305_000);
      expect(service.signingKey().kid).toBe(result.kid);
      // The old key's last token (signed a moment ago) is verifiable until it expires.
      clock.advance(65 * MIN - 1);
      expect((await service.jwks()).keys.map((k) => k.kid)).toContain(oldKid);
    });

    it('follows GATEWAY_JWKS_CACHE_SECONDS and refuses a shorter delay without immediate', async () => {
      const clock = new TestClock();
      const config = testConfig({ GATEWAY_JWKS_CACHE_SECONDS: '600' });
      const tuning = { now: clock.now, jwksCacheMaxAgeSec: 60, jwksMaxStalenessMs: 0 };
      const { service, repo } = await start({ config, tuning });
      await expect(service.rotate(ADMIN, { activateInMs: 599_000 })).rejects.toThrow(
        /shorter than the gateway's JWKS cache time \(600 s, GATEWAY_JWKS_CACHE_SECONDS\)/,
      );
      expect(repo.rows).toHaveLength(1); // nothing was created
      const staged = await service.rotate(ADMIN);
      expect(staged.activatesAt).toEqual(new Date(T0 + 660_000));
    });

    it('an immediate rotation signs at once and says until when gateways may refuse', async () => {
      const clock = new TestClock();
      const { service, audit } = await start({ tuning: { now: clock.now } });
      const result = await service.rotate(ADMIN, IMMEDIATE);
      expect(service.signingKey().kid).toBe(result.kid);
      expect(result.unsafe).toBe(true);
      expect(result.gatewaysMayRefuseUntil!.getTime()).toBeGreaterThanOrEqual(T0 + DAY);
      expect(audit.entries[0].after).toMatchObject({ immediate: true });
    });
  });

  describe('several instances', () => {
    it('another instance picks the rotation up on its next refresh', async () => {
      const clock = new TestClock();
      const repo = new InMemorySigningKeys();
      const config = testConfig();
      const tuning = { now: clock.now };
      const a = await start({ repo, config, tuning });
      const b = await start({ repo, config, tuning });
      const { kid } = await a.service.rotate(ADMIN, IMMEDIATE);
      expect(b.service.signingKey().kid).not.toBe(kid);
      await b.service.refresh();
      expect(b.service.signingKey().kid).toBe(kid);
    });

    it('refreshes on a timer', async () => {
      const repo = new InMemorySigningKeys();
      const config = testConfig();
      const a = await start({ repo, config });
      const b = await start({ repo, config, tuning: { keyRefreshIntervalMs: 20 } });
      const { kid } = await a.service.rotate(ADMIN, IMMEDIATE);
      await new Promise((r) => setTimeout(r, 100));
      expect(b.service.signingKey().kid).toBe(kid);
    });

    it('the JWKS re-reads the table when its copy is older than jwksMaxStalenessMs', async () => {
      const clock = new TestClock();
      const repo = new InMemorySigningKeys();
      const config = testConfig();
      const a = await start({ repo, config, tuning: { now: clock.now } });
      const b = await start({ repo, config, tuning: { now: clock.now, jwksMaxStalenessMs: 5000 } });
      const { kid } = await a.service.rotate(ADMIN, IMMEDIATE);
      expect((await b.service.jwks()).keys.map((k) => k.kid)).not.toContain(kid);
      clock.advance(5001);
      expect((await b.service.jwks()).keys.map((k) => k.kid)).toContain(kid);
    });

    it('a key it cannot decrypt during a refresh is reported, not thrown; signing fails as 503', async () => {
      const repo = new InMemorySigningKeys();
      const b = await start({ repo, config: testConfig({ SIGNING_KEY_SECRET: OTHER_SECRET }) });
      // An instance with another secret rotates: b cannot decrypt the new key.
      const a = await start({ config: testConfig() });
      await repo.rotate(a.repo.rows[0], new Date(), async () => undefined);
      await expect(b.service.refresh()).resolves.toBeUndefined();
      expect(() => b.service.signingKey()).toThrow(DomainError);
      expect(() => b.service.signingKey()).toThrow(/No signing key is available/);
    });

    it('keeps serving from memory when the database is down', async () => {
      const clock = new TestClock();
      const { service, repo } = await start({ tuning: { now: clock.now } });
      jest.spyOn(repo, 'findAll').mockRejectedValue(new Error('connection refused'));
      clock.advance(MIN);
      expect((await service.jwks()).keys).toHaveLength(1);
      expect(service.signingKey().kid).toBe(repo.rows[0].kid);
      await expect(service.list()).rejects.toThrow('connection refused');
    });

    it('never leaves two active keys when instances start on an empty table together', async () => {
      const repo = new InMemorySigningKeys();
      const config = testConfig();
      const [a, b] = await Promise.all([start({ repo, config }), start({ repo, config })]);
      expect(repo.rows).toHaveLength(1);
      expect(a.service.signingKey().kid).toBe(b.service.signingKey().kid);
    });
  });

  it('records nothing in the audit log except rotations', async () => {
    const audit = new RecordingAudit();
    await start({ audit });
    expect(audit.entries).toEqual([]);
  });
});
