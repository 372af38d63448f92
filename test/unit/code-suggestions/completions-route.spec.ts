import { Reflector } from '@nestjs/core';
import Fastify, { type FastifyReply } from 'fastify';
import { TOKEN_AUTHENTICATOR, type Principal } from '../../../src/common/auth/principal';
import { ERROR_TRANSLATOR } from '../../../src/common/errors/domain-error.filter';
import { CompletionsController } from '../../../src/code-suggestions/completions.controller';
import {
  COMPLETIONS_PATH,
  installCompletionsRoute,
} from '../../../src/code-suggestions/completions.route';

const principal = (scopes: string[]): Principal => ({
  user: { id: 1, username: 'u', name: 'U', admin: false, globalUserId: 'g' },
  token: { id: 1, name: 't', scopes, expiresAt: null },
});
const tokens: Record<string, Principal> = {
  'glpat-ai': principal(['ai_features']),
  'glpat-read': principal(['read_api']),
};

/** What Nest's application context gives the installer, with a stand-in controller. */
function appContext(seen: unknown[]) {
  const controller = {
    complete: (p: Principal, body: unknown, _req: unknown, reply: FastifyReply) => {
      seen.push({ user: p.user.id, body });
      return reply.send({ handledBy: 'completions route' });
    },
  };
  const providers = new Map<unknown, unknown>([
    [CompletionsController, controller],
    [TOKEN_AUTHENTICATOR, { authenticate: (s: string) => Promise.resolve(tokens[s]) }],
    [ERROR_TRANSLATOR, () => undefined],
    [Reflector, new Reflector()],
  ]);
  return { get: (token: unknown) => providers.get(token) } as never;
}

/** Nest's own handler for the route, which the installer must replace. */
const nestHandler = () => Promise.resolve({ handledBy: 'nest' });

describe('installCompletionsRoute', () => {
  it("replaces Nest's handler, keeping the controller's access rule and the error answers", async () => {
    const seen: unknown[] = [];
    const fastify = Fastify();
    installCompletionsRoute(fastify, appContext(seen));
    fastify.post(COMPLETIONS_PATH, nestHandler);
    fastify.get('/other', nestHandler);
    await fastify.ready();

    const ok = await fastify.inject({
      method: 'POST',
      url: COMPLETIONS_PATH,
      headers: { authorization: 'Bearer glpat-ai' },
      payload: { a: 1 },
    });
    expect(ok.json()).toEqual({ handledBy: 'completions route' });
    expect(seen).toEqual([{ user: 1, body: { a: 1 } }]);

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
    expect(seen).toHaveLength(1);

    expect((await fastify.inject({ method: 'GET', url: '/other' })).json()).toEqual({
      handledBy: 'nest',
    });
    await fastify.close();
  });

  it('refuses to start when Nest registered no completions route', async () => {
    const fastify = Fastify();
    installCompletionsRoute(fastify, appContext([]));
    fastify.post('/api/v4/code_suggestions/elsewhere', nestHandler);
    await expect(fastify.ready()).rejects.toThrow(
      /no POST \/api\/v4\/code_suggestions\/completions/,
    );
    await fastify.close().catch(() => undefined);
  });
});
