import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthedRequest } from '../common/auth/auth.decorators';
import { type AccessRule, authorize } from '../common/auth/authorize';
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
import type { UpstreamResponse } from '../gateway/gateway.types';
import { COMPLETIONS_PATH } from './completions.operation';
import { CompletionsService } from './completions.service';
import { STALE_HEADER } from './stale-sources';

export { COMPLETIONS_PATH };

/** `api` or `ai_features`, as GitLab's route asks (deny by default: no `@Public` here). */
export const COMPLETIONS_ACCESS: AccessRule = {
  isPublic: false,
  scopes: ['api', 'ai_features'],
  adminOnly: false,
};

/** Upstream headers worth passing back to the IDE. */
const PASS_BACK = ['content-type', 'x-streaming-format', 'retry-after'];

/**
 * POST /api/v4/code_suggestions/completions is on the typing path of every IDE, so it is a
 * Fastify route of its own rather than a Nest controller: Nest's per-route pipeline (router
 * proxy, global guard and its metadata lookups, param decorators, exception zone) cost about a
 * tenth of the request's CPU (bench/RESULTS.md). Declared here, explicitly, with what that
 * pipeline did for it:
 * - a preHandler that checks COMPLETIONS_ACCESS with the same `authorize` as the global AuthGuard;
 * - errors answered by the same DomainErrorFilter as every route;
 * - its OpenAPI operation, COMPLETIONS_OPERATION, added to the document by setupOpenApi, with the
 *   body derived from the zod schema that validates it.
 * Fastify's hooks (request id, limits, body parsing, request log, metrics) run as for every route.
 */
@Injectable()
export class CompletionsRoute implements OnModuleInit {
  private readonly errors: DomainErrorFilter;

  constructor(
    private readonly completions: CompletionsService,
    @Inject(TOKEN_AUTHENTICATOR) private readonly tokens: TokenAuthenticator,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() @Inject(ERROR_TRANSLATOR) translate?: ErrorTranslator,
  ) {
    this.errors = new DomainErrorFilter(translate);
  }

  /** Before the server starts listening (Nest's init), as Nest registers its own routes. */
  onModuleInit(): void {
    // An application context without an HTTP server (no adapter) serves no routes at all.
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) this.register(fastify);
  }

  register(fastify: FastifyInstance): void {
    fastify.route({
      method: 'POST',
      url: COMPLETIONS_PATH,
      preHandler: (req, reply) => this.authenticate(req, reply),
      handler: (req, reply) => this.complete(req as AuthedRequest, reply),
    });
  }

  private async authenticate(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    try {
      await authorize(req, this.tokens, COMPLETIONS_ACCESS);
      return undefined;
    } catch (err) {
      this.errors.respond(err, req, reply);
      return reply; // answered: Fastify runs no handler
    }
  }

  private async complete(req: AuthedRequest, reply: FastifyReply): Promise<FastifyReply> {
    try {
      const result = await this.completions.complete(req.principal as Principal, req.body, {
        headers: req.headers,
        requestId: String(req.id),
        bodyChars: req.bodyChars ?? 0,
        signal: abortOnClientClose(reply),
        onRouted: (labels) => {
          req.completionLabels = labels;
        },
        elapsedMs: () => reply.elapsedTime,
      });
      if (result.stale.length > 0) void reply.header(STALE_HEADER, result.stale.join(','));
      send(reply, result.response);
    } catch (err) {
      this.errors.respond(err, req, reply);
    }
    // Sent (or streaming) by now: returning the reply tells Fastify not to send a value.
    return reply;
  }
}

/** Aborted when the IDE goes away before the answer is written (the upstream call stops). */
function abortOnClientClose(reply: FastifyReply): AbortSignal {
  const aborted = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) aborted.abort();
  });
  return aborted.signal;
}

export function send(reply: FastifyReply, res: UpstreamResponse): void {
  void reply.status(res.status);
  for (const h of PASS_BACK) if (res.headers[h]) void reply.header(h, res.headers[h]);
  if (res.kind === 'stream') {
    void reply.header('cache-control', 'no-cache').send(res.stream);
    return;
  }
  void reply.header('content-type', 'application/json; charset=utf-8').send(res.body);
}
