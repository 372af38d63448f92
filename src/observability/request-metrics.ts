import type { FastifyInstance } from 'fastify';
import type { MetricsService } from './metrics.service';

/** What a completion was routed to; set by the completions route once routing is known. */
export interface CompletionLabels {
  task: string;
  api: string;
  provider: string;
  model: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    completionLabels?: CompletionLabels;
  }
}

/**
 * Counts every request once, after its answer went out, whatever ended it: a completion, a
 * thrown DomainError (401/404/429/503), a validation error or a 404 for an unknown route. The
 * endpoint is the route pattern (bounded cardinality), never the raw URL.
 */
export function installRequestMetrics(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addHook('onResponse', (req, reply, done) => {
    const l = req.completionLabels;
    metrics.request({
      endpoint: req.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
      task: l?.task ?? '',
      api: l?.api ?? '',
      provider: l?.provider ?? '',
      model: l?.model ?? '',
    });
    done();
  });
}
