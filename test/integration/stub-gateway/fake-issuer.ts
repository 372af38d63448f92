import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload, type KeyLike } from 'jose';

/** Identity used by default in tokens and headers. */
export const INSTANCE_ID = 'instance-uuid-1234';
export const GLOBAL_USER_ID = 'global-user-abc';
export const REALM = 'self-managed';

interface Key {
  kid: string;
  privateKey: KeyLike;
  jwk: JWK;
}

export interface SignOptions {
  /** Claims merged over the defaults (set a claim to undefined to drop it). */
  claims?: JWTPayload;
  audience?: string;
  /** Seconds relative to now. */
  expiresIn?: number;
  notBefore?: number;
  issuer?: string;
  kid?: string;
}

export interface FakeIssuer {
  url: string;
  /** Number of JWKS downloads so far. */
  jwksHits: number;
  discoveryHits: number;
  currentKid(): string;
  sign(opts?: SignOptions): Promise<string>;
  /** Replaces the signing key (new kid); the JWKS then publishes only the new key. */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

async function newKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  return {
    kid,
    privateKey,
    jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' },
  };
}

/** A tiny OIDC issuer (node:http): `/.well-known/openid-configuration` and `/oauth/discovery/keys`. */
export async function startFakeIssuer(): Promise<FakeIssuer> {
  let key = await newKey();
  const state = { jwksHits: 0, discoveryHits: 0 };
  let url = '';
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') {
      state.discoveryHits++;
      res.end(JSON.stringify({ issuer: url, jwks_uri: `${url}/oauth/discovery/keys` }));
    } else if (req.url === '/oauth/discovery/keys') {
      state.jwksHits++;
      res.end(JSON.stringify({ keys: [key.jwk] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    get jwksHits() {
      return state.jwksHits;
    },
    get discoveryHits() {
      return state.discoveryHits;
    },
    currentKid: () => key.kid,
    async sign(opts: SignOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      const claims: JWTPayload = {
        iss: opts.issuer ?? url,
        aud: opts.audience ?? 'gitlab-ai-gateway',
        sub: INSTANCE_ID,
        iat: now,
        nbf: now + (opts.notBefore ?? -5),
        exp: now + (opts.expiresIn ?? 3600),
        jti: randomUUID(),
        gitlab_realm: REALM,
        gitlab_instance_id: INSTANCE_ID,
        scopes: ['complete_code', 'generate_code'],
        ...opts.claims,
      };
      for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? key.kid, typ: 'JWT' })
        .sign(key.privateKey);
    },
    async rotate() {
      key = await newKey();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Headers GitLab sends to the AIGW, matching the default token claims. */
export function gatewayHeaders(
  token: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'x-gitlab-authentication-type': 'oidc',
    'x-gitlab-instance-id': INSTANCE_ID,
    'x-gitlab-realm': REALM,
    'x-gitlab-global-user-id': GLOBAL_USER_ID,
    'content-type': 'application/json',
    ...overrides,
  };
}

export function v2Body(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    prompt_version: 1,
    project_path: 'group/project',
    project_id: 7,
    current_file: {
      file_name: 'src/main.py',
      content_above_cursor: 'def add(a, b):\n    ',
      content_below_cursor: '\n',
      language_identifier: 'python',
    },
    stream: false,
    choices_count: 1,
    context: [],
    telemetry: [],
    ...extra,
  };
}

export function v3Body(
  type: 'code_editor_completion' | 'code_editor_generation',
  payload: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    prompt_components: [
      {
        type,
        payload: {
          file_name: 'lib/app.rb',
          content_above_cursor: '# write a fibonacci function\n',
          content_below_cursor: '',
          language_identifier: 'ruby',
          stream: false,
          ...(type === 'code_editor_generation'
            ? {
                prompt_id: 'code_suggestions/generations',
                prompt_version: '^1.0.0',
                prompt_enhancer: {},
              }
            : {}),
          ...payload,
        },
      },
    ],
    ...extra,
  };
}

/** Parsed JSON body of a response, loosely typed for assertions. */

export async function json(res: Response): Promise<any> {
  return res.json();
}

/** A copy of `headers` without `name`. */
export function without(headers: Record<string, string>, name: string): Record<string, string> {
  const copy = { ...headers };
  delete copy[name];
  return copy;
}
