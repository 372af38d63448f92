import Fastify from 'fastify';
import type { HttpAdapterHost } from '@nestjs/core';
import type { Principal, TokenAuthenticator } from '../../../src/common/auth/principal';
import { DomainError } from '../../../src/common/errors/domain-error';
import {
  COMPLETIONS_PATH,
  CompletionsRoute,
} from '../../../src/code-suggestions/completions.route';
import type { CompletionsService } from '../../../src/code-suggestions/completions.service';

const principal = (scopes: string[]): Principal => ({
  user: { id: 1, username: 'u', name: 'U', admin: false, globalUserId: 'g' },
  token: { id: 1, name: 't', scopes, expiresAt: null },
});
const known: Record<string, Principal> = {
  'glpat-ai': principal(['ai_features']),
  'glpat-read': principal(['read_api']),
};
const tokens: TokenAuthenticator = { authenticate: (s: string) => Promise.resolve(known[s]) };

/** A stand-in service: answers with what it was asked, or throws a domain error. */
function service(seen: unknown[]) {
  return {
    complete: (p: Principal, body: unknown) => {
      if ((body as { fail?: boolean }).fail)
        throw DomainError.invalid('current_file', 'is missing');
      seen.push({ user: p.user.id, body });
      return Promise.resolve({
        stale: ['flags'],
        response: { kind: 'json', status: 200, headers: {}, body: { ok: 1 }, upstreamMs: 1 },
      });
    },
  } as unknown as CompletionsService;
}

async function started(seen: unknown[]) {
  const fastify = Fastify();
  const host = { httpAdapter: { getInstance: () => fastify } } as unknown as HttpAdapterHost;
  new CompletionsRoute(service(seen), tokens, host).onModuleInit();
  await fastify.ready();
  return fastify;
}

describe('CompletionsRoute (POST /api/v4/code_suggestions/completions on Fastify)', () => {
  it('authenticates with the route access rule, then answers through the service', async () => {
    const seen: unknown[] = [];
    const fastify = await started(seen);
    const ok = await fastify.inject({
      method: 'POST',
      url: COMPLETIONS_PATH,
      headers: { authorization: 'Bearer glpat-ai' },
      payload: { a: 1 },
    });
    expect([ok.statusCode, ok.json(), ok.headers['x-switchboard-decision-stale']]).toEqual([
      200,
      { ok: 1 },
      'flags',
    ]);
    expect(seen).toEqual([{ user: 1, body: { a: 1 } }]);
    await fastify.close();
  });

  it('refuses a missing token (401) and a read-only one (403) before the service runs', async () => {
    const seen: unknown[] = [];
    const fastify = await started(seen);
    const anonymous = await fastify.inject({ method: 'POST', url: COMPLETIONS_PATH, payload: {} });
    expect([anonymous.statusCode, anonymous.json()]).toEqual([
      401,
      { message: '401 Unauthorized' },
    ]);
    const readOnly = await fastify.inject({
      method: 'POST',
      url: COMPLETIONS_PATH,
      headers: { 'private-token': 'glpat-read' },
      payload: {},
    });
    expect(readOnly.statusCode).toBe(403);
    expect(readOnly.json()).toMatchObject({
      error: 'insufficient_scope',
      scope: 'api ai_features',
    });
    expect(seen).toHaveLength(0);
    await fastify.close();
  });

  it("answers the service's domain errors as the global filter does", async () => {
    const fastify = await started([]);
    const bad = await fastify.inject({
      method: 'POST',
      url: COMPLETIONS_PATH,
      headers: { 'private-token': 'glpat-ai' },
      payload: { fail: true },
    });
    expect([bad.statusCode, bad.json()]).toEqual([400, { error: 'current_file is missing' }]);
    await fastify.close();
  });

  it('registers nothing in an application context without an HTTP server', () => {
    const host = { httpAdapter: undefined } as unknown as HttpAdapterHost;
    expect(() => new CompletionsRoute(service([]), tokens, host).onModuleInit()).not.toThrow();
  });
});
