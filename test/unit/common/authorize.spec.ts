import type { AuthedRequest } from '../../../src/common/auth/auth.decorators';
import { AccessRule, authorize } from '../../../src/common/auth/authorize';
import type { Principal, TokenAuthenticator } from '../../../src/common/auth/principal';
import { DomainError } from '../../../src/common/errors/domain-error';

function principal(scopes: string[], admin = false): Principal {
  return {
    user: { id: 1, username: 'u', name: 'U', admin, globalUserId: 'g' },
    token: { id: 7, name: 't', scopes, expiresAt: null },
  };
}

const users: Record<string, Principal> = {
  'glpat-api': principal(['api']),
  'glpat-read': principal(['read_api']),
  'glpat-ai': principal(['ai_features']),
  'glpat-admin': principal(['api'], true),
};

function authenticator(): TokenAuthenticator & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    authenticate: (secret: string) => {
      calls.push(secret);
      return Promise.resolve(users[secret]);
    },
  };
}

function request(method: string, headers: Record<string, string>, query?: object): AuthedRequest {
  return { method, headers, query } as unknown as AuthedRequest;
}

async function outcome(req: AuthedRequest, rule: Partial<AccessRule>): Promise<string> {
  try {
    const p = await authorize(req, authenticator(), { isPublic: false, adminOnly: false, ...rule });
    return p ? `ok ${p.token.scopes.join(',')}` : 'public';
  } catch (err) {
    return err instanceof DomainError ? err.code : `thrown ${String(err)}`;
  }
}

describe('authorize (the global AuthGuard and the completions route)', () => {
  it.each([
    ['a public route needs nothing', 'POST', {}, { isPublic: true }, 'public'],
    ['no credential', 'POST', {}, {}, 'unauthorized'],
    ['an unknown token', 'POST', { 'private-token': 'nope' }, {}, 'unauthorized'],
    ['a write with `api`', 'POST', { 'private-token': 'glpat-api' }, {}, 'ok api'],
    [
      'a write with `read_api`',
      'POST',
      { 'private-token': 'glpat-read' },
      {},
      'insufficient_scope',
    ],
    ['a read with `read_api`', 'GET', { 'private-token': 'glpat-read' }, {}, 'ok read_api'],
    ['Bearer works like PRIVATE-TOKEN', 'GET', { authorization: 'Bearer glpat-api' }, {}, 'ok api'],
    [
      'declared scopes replace the default',
      'POST',
      { authorization: 'Bearer glpat-ai' },
      { scopes: ['api', 'ai_features'] as const },
      'ok ai_features',
    ],
    [
      'declared scopes refuse the others',
      'POST',
      { authorization: 'Bearer glpat-read' },
      { scopes: ['api', 'ai_features'] as const },
      'insufficient_scope',
    ],
    [
      'admin only, not an admin',
      'GET',
      { 'private-token': 'glpat-api' },
      { adminOnly: true },
      'forbidden',
    ],
    [
      'admin only, an admin',
      'GET',
      { 'private-token': 'glpat-admin' },
      { adminOnly: true },
      'ok api',
    ],
  ])('%s', async (_name, method, headers, rule, expected) => {
    expect(await outcome(request(method, headers), rule)).toBe(expected);
  });

  it('takes ?private_token= and removes it from the query', async () => {
    const query: Record<string, unknown> = { private_token: 'glpat-api', page: '2' };
    const req = request('GET', {}, query);
    expect(await outcome(req, {})).toBe('ok api');
    expect(query).toEqual({ page: '2' });
    expect(req.principal?.token.scopes).toEqual(['api']);
  });

  it('reuses the principal found before the body was read, for the same credential only', async () => {
    const tokens = authenticator();
    const rule = { isPublic: false, adminOnly: false };
    const known = { secret: 'glpat-api', principal: users['glpat-api'] };
    const same = request('POST', { 'private-token': 'glpat-api' });
    same.preAuthenticated = known;
    await authorize(same, tokens, rule);
    expect(tokens.calls).toEqual([]);

    const other = request('POST', { 'private-token': 'glpat-read' });
    other.preAuthenticated = known;
    await expect(authorize(other, tokens, rule)).rejects.toMatchObject({
      code: 'insufficient_scope',
    });
    expect(tokens.calls).toEqual(['glpat-read']);
  });
});
