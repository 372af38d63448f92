import type { INestApplicationContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { accessRuleOf } from '../common/auth/auth.guard';
import { authorize } from '../common/auth/authorize';
import {
  TOKEN_AUTHENTICATOR,
  type Principal,
  type TokenAuthenticator,
} from '../common/auth/principal';
import {
  DomainErrorFilter,
  ERROR_TRANSLATOR,
  type ErrorTranslator,
} from '../common/errors/domain-error.filter';
import { CompletionsController } from './completions.controller';

export const COMPLETIONS_PATH = '/api/v4/code_suggestions/completions';

/**
 * POST /api/v4/code_suggestions/completions is on the typing path of every IDE, so Fastify runs
 * it without Nest's per-route pipeline (router proxy, global guard and its metadata lookups,
 * param decorators, exception zone: about a tenth of the request's CPU, bench/RESULTS.md).
 *
 * Nest still declares the route: its path, OpenAPI entry and access rule stay on
 * CompletionsController. Only the handler Nest registers with Fastify is swapped, for one that
 * does what Nest's pipeline did for this route: the access rule read from the controller's
 * decorators and checked by the same `authorize` as the global AuthGuard (deny by default), the
 * controller's own method, and errors answered by the same DomainErrorFilter. Fastify's hooks
 * (request id, limits, body parsing, request log, metrics) run as for every route.
 *
 * Startup fails if Nest never registered the route, rather than quietly serving it the slow way.
 * Call before `app.init()`/`app.listen()` (Nest registers its routes then).
 */
export function installCompletionsRoute(
  fastify: FastifyInstance,
  app: INestApplicationContext,
): void {
  const controller = app.get(CompletionsController);
  const tokens = app.get<symbol, TokenAuthenticator>(TOKEN_AUTHENTICATOR);
  const filter = new DomainErrorFilter(
    app.get<symbol, ErrorTranslator>(ERROR_TRANSLATOR, { strict: false }),
  );
  const rule = accessRuleOf(app.get(Reflector), [
    CompletionsController.prototype.complete,
    CompletionsController,
  ]);
  // Refused at startup, not answered with a 500 per request: the handler needs a principal.
  if (rule.isPublic) throw new Error(`${COMPLETIONS_PATH} must not be @Public()`);
  const handler = async function completionsRoute(req: FastifyRequest, reply: FastifyReply) {
    try {
      const principal = (await authorize(req, tokens, rule)) as Principal;
      await controller.complete(principal, req.body, req, reply);
    } catch (err) {
      filter.respond(err, req, reply);
    }
    // The answer is sent (or streaming) by now: returning the reply tells Fastify not to send
    // the promise's value, as Nest's own handlers do.
    return reply;
  };
  let installed = false;
  fastify.addHook('onRoute', (route) => {
    if (route.url !== COMPLETIONS_PATH || route.method !== 'POST') return;
    route.handler = handler;
    installed = true;
  });
  fastify.addHook('onReady', (done) => {
    done(installed ? undefined : new Error(`Nest registered no POST ${COMPLETIONS_PATH} route`));
  });
}
