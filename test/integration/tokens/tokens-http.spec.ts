// The tokens module on a real embedded database (migrations applied by PrismaService) and a
// real socket: tokens we issue are verified the way the AI Gateway does, through
// /.well-known/openid-configuration → jwks_uri, before and after a rotation.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { JwtIssuerService } from '../../../src/tokens/jwt-issuer.service';
import { SigningKeyService } from '../../../src/tokens/signing-key.service';
import { USER_TOKEN_SOURCE } from '../../../src/tokens/tokens.tokens';
import type { UserTokenSource } from '../../../src/tokens/user-token-source.interface';
import {
  ADMIN_TOKEN,
  sharedDatabase,
  startTokensApp,
  USER_TOKEN,
  type TestApp,
} from './tokens-test-app';

jest.setTimeout(120_000);

const MIN = 60_000;
const CLAIMS = {
  sub: 'instance-uuid-1',
  scopes: ['complete_code', 'generate_code'],
  realm: 'self-managed' as const,
  instanceId: 'instance-uuid-1',
};

/** Verifies like the AIGW: discovery first, then the JWKS it names (fresh cache each call). */
async function verifyViaDiscovery(token: string, issuer: string) {
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
    jwks_uri: string;
  };
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  return jwtVerify(token, jwks, { issuer, audience: 'gitlab-ai-gateway', algorithms: ['RS256'] });
}

describe('tokens over HTTP on an embedded database', () => {
  let clockMs = Date.now();
  const now = () => clockMs;
  let db: Awaited<ReturnType<typeof sharedDatabase>>;
  let a: TestApp;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    db = await sharedDatabase();
    a = await startTokensApp({ connection: db.connection(), tuning: { now } });
    apps.push(a);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.pg.close();
  });

  const issue = (app: TestApp = a) => app.app.get(JwtIssuerService).issue(CLAIMS);
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${a.url}${path}`, { headers });
  const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

  it('serves the discovery document, public and cacheable', async () => {
    const res = await get('/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(await res.json()).toMatchObject({
      issuer: a.url,
      jwks_uri: `${a.url}/oauth/discovery/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
    });
    const etag = res.headers.get('etag') ?? '';
    const again = await get('/.well-known/openid-configuration', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('serves the JWKS with only public members, a short max-age and an ETag', async () => {
    const res = await get('/oauth/discovery/keys');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const body = (await res.json()) as { keys: Record<string, string>[] };
    expect(body.keys).toHaveLength(1);
    expect(Object.keys(body.keys[0]).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(body.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
    const again = await get('/oauth/discovery/keys', {
      'If-None-Match': res.headers.get('etag') ?? '',
    });
    expect(again.status).toBe(304);
  });

  it('stores the private key only encrypted', async () => {
    const { rows } = await db.pg.query<{
      kid: string;
      public_jwk: Record<string, unknown>;
      private_key_enc: string;
    }>('SELECT kid, public_jwk, private_key_enc FROM signing_keys');
    expect(rows).toHaveLength(1);
    expect(rows[0].private_key_enc).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(rows[0].public_jwk).not.toHaveProperty('d');
    expect(rows[0].public_jwk.kid).toBe(rows[0].kid);
  });

  it('issues tokens that verify through discovery over HTTP', async () => {
    const { token, expiresAt } = await issue();
    const { payload, protectedHeader } = await verifyViaDiscovery(token, a.url);
    expect(protectedHeader.typ).toBe('JWT');
    expect(payload).toMatchObject({
      iss: a.url,
      sub: 'instance-uuid-1',
      gitlab_realm: 'self-managed',
    });
    expect(payload.exp).toBe(expiresAt);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(3600);
  });

  it('chooses the self-signed user-token source by default', async () => {
    const source = a.app.get<UserTokenSource>(USER_TOKEN_SOURCE);
    expect(source.kind).toBe('self_signed');
    const { token } = await source.tokenFor({
      globalUserId: 'global-7',
      realm: 'self-managed',
      instanceId: 'instance-uuid-1',
      scopes: ['complete_code'],
      extra: { model_provider: 'vertex-ai', model_name: 'code-gecko@002' },
    });
    const { payload } = await verifyViaDiscovery(token, a.url);
    expect(payload).toMatchObject({
      sub: 'instance-uuid-1',
      model_provider: 'vertex-ai',
      scopes: ['complete_code'],
    });
  });

  it('keeps the admin API for admins', async () => {
    expect((await get('/api/v4/admin/signing_keys')).status).toBe(401);
    const asUser = { Authorization: `Bearer ${USER_TOKEN}` };
    expect((await get('/api/v4/admin/signing_keys', asUser)).status).toBe(403);
    const rotate = await fetch(`${a.url}/api/v4/admin/signing_keys/rotate`, {
      method: 'POST',
      headers: asUser,
    });
    expect(rotate.status).toBe(403);
  });

  it('reports the signing key in readiness', async () => {
    const res = await get('/-/readiness');
    const body = (await res.json()) as { checks: Record<string, { ok: boolean }> };
    expect(body.checks.signing_keys).toMatchObject({ ok: true });
  });

  it('rotates: old tokens verify while published, and are rejected after the window', async () => {
    const old = await issue();
    const oldKid = decodeProtectedHeader(old.token).kid;

    const res = await fetch(`${a.url}/api/v4/admin/signing_keys/rotate`, {
      method: 'POST',
      headers: { ...admin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ immediate: true }),
    });
    expect(res.status).toBe(201);
    const rotated = (await res.json()) as Record<string, string>;
    // Signs at once: the answer names the gateway that refuses its tokens, and until when.
    const refetchedBy = new Date(clockMs + 86_400_000 + 305_000).toISOString();
    expect(rotated).toEqual({
      kid: expect.any(String),
      activates_at: new Date(clockMs).toISOString(),
      previous_kid: oldKid,
      previous_published_until: new Date(clockMs + 65 * MIN).toISOString(),
      immediate: true,
      gateways_may_refuse: ['http://127.0.0.1:9'],
      gateways_may_refuse_until: refetchedBy,
      warning: expect.stringContaining(
        `the gateway at http://127.0.0.1:9 (and any other that cached our JWKS before this rotation) refuses its tokens until it refetches our keys, at the latest ${refetchedBy}`,
      ),
    });
    const { rows: audit } = await db.pg.query<{
      action: string;
      actor_name: string;
      target_id: string;
    }>("SELECT action, actor_name, target_id FROM audit_events WHERE target_type = 'signing_key'");
    expect(audit).toEqual([
      { action: 'signing_key.rotated', actor_name: 'root', target_id: rotated.kid },
    ]);

    const fresh = await issue();
    expect(decodeProtectedHeader(fresh.token).kid).toBe(rotated.kid);
    await expect(verifyViaDiscovery(old.token, a.url)).resolves.toBeDefined();
    await expect(verifyViaDiscovery(fresh.token, a.url)).resolves.toBeDefined();

    const list = (await (await get('/api/v4/admin/signing_keys', admin)).json()) as Record<
      string,
      unknown
    >[];
    expect(list).toEqual([
      expect.objectContaining({
        kid: rotated.kid,
        active: true,
        published: true,
        retired_at: null,
        published_until: null,
      }),
      expect.objectContaining({
        kid: oldKid,
        active: false,
        published: true,
        published_until: rotated.previous_published_until,
      }),
    ]);
    expect(JSON.stringify(list)).not.toMatch(/private|"n"|"d"|v1\./);

    clockMs += 65 * MIN - 1000;
    await expect(verifyViaDiscovery(old.token, a.url)).resolves.toBeDefined();
    clockMs += 1000;
    const jwks = (await (await get('/oauth/discovery/keys')).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([rotated.kid]);
    await expect(verifyViaDiscovery(old.token, a.url)).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
    await expect(verifyViaDiscovery(fresh.token, a.url)).resolves.toBeDefined();
  });

  it('another instance on the same database signs with the same key and picks up rotations', async () => {
    clockMs = Date.now(); // back from the previous test's future: jose checks nbf on the real clock
    const b = await startTokensApp({
      connection: db.connection(),
      tuning: { now, keyRefreshIntervalMs: 100 },
    });
    apps.push(b);
    const bKeys = b.app.get(SigningKeyService);
    expect(bKeys.signingKey().kid).toBe(a.app.get(SigningKeyService).signingKey().kid);

    const { kid } = await a.app
      .get(SigningKeyService)
      .rotate({ id: 1, name: 'root' }, { immediate: true });
    for (let i = 0; i < 50 && bKeys.signingKey().kid !== kid; i++)
      await new Promise((r) => setTimeout(r, 50));
    const fromB = await issue(b);
    expect(decodeProtectedHeader(fromB.token).kid).toBe(kid);
    // B's issuer is B's PUBLIC_URL; its JWKS also publishes the new key.
    await expect(verifyViaDiscovery(fromB.token, b.url)).resolves.toBeDefined();
    // A's token is signed by a key B publishes too (shared database), but names A as its issuer.
    await expect(verifyViaDiscovery((await issue()).token, b.url)).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'iss',
    });
  });

  it('can stage a rotation (publish now, sign a day later) and validates the request', async () => {
    clockMs = Date.now();
    const rotate = (body: unknown) =>
      fetch(`${a.url}/api/v4/admin/signing_keys/rotate`, {
        method: 'POST',
        headers: { ...admin, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await rotate({ activate_in_seconds: -1 })).status).toBe(400);
    expect((await rotate({ kid: 'mine' })).status).toBe(400);
    expect((await rotate({ immediate: 'yes' })).status).toBe(400);
    const tooSoon = await rotate({ activate_in_seconds: 3600 });
    expect(tooSoon.status).toBe(400);
    expect(((await tooSoon.json()) as { error: string }).error).toMatch(
      /^activate_in_seconds is shorter than the gateway's JWKS cache time \(86400 s, GATEWAY_JWKS_CACHE_SECONDS\).*immediate: true/,
    );

    const keys = a.app.get(SigningKeyService);
    const current = keys.signingKey().kid;
    const res = await rotate({ activate_in_seconds: 86_400 });
    expect(res.status).toBe(201);
    const staged = (await res.json()) as {
      kid: string;
      activates_at: string;
      previous_kid: string;
    };
    expect(staged).toMatchObject({
      previous_kid: current,
      activates_at: new Date(clockMs + 86_400_000).toISOString(),
    });
    const jwks = (await (await get('/oauth/discovery/keys')).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(staged.kid);
    expect(keys.signingKey().kid).toBe(current);
    clockMs += 86_400_000;
    expect(keys.signingKey().kid).toBe(staged.kid);
    clockMs = Date.now();
  });

  it('rotates by default a day (+ our publication delay) after publishing the new key', async () => {
    clockMs = Date.now();
    const keys = a.app.get(SigningKeyService);
    const current = keys.signingKey().kid;
    const res = await fetch(`${a.url}/api/v4/admin/signing_keys/rotate`, {
      method: 'POST',
      headers: admin,
    });
    expect(res.status).toBe(201);
    const staged = (await res.json()) as Record<string, unknown>;
    expect(staged).toMatchObject({
      activates_at: new Date(clockMs + 86_400_000 + 305_000).toISOString(),
      immediate: false,
      gateways_may_refuse: [],
      gateways_may_refuse_until: null,
      warning: null,
    });
    expect(keys.signingKey().kid).toBe(current);
  });

  it('refuses to start with a secret that cannot decrypt the keys', async () => {
    await expect(
      startTokensApp({
        connection: db.connection(),
        env: { SIGNING_KEY_SECRET: 'a-different-secret-that-is-long-enough-000' },
      }),
    ).rejects.toThrow(
      /Cannot decrypt signing key .*SIGNING_KEY_SECRET.* is not the one this key was encrypted with/,
    );
  });
});
