import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * SIGTERM/SIGINT: logs that the shutdown started (with how many requests and streams are in
 * flight) and, when the server has closed, how many of them finished before it did. Without it
 * the service ended with no line at all, which reads like a crash in the logs.
 */
export function installShutdownLog(
  fastify: FastifyInstance,
  logger: Logger,
  graceMs: number,
): (signal: string) => void {
  let inFlight = 0;
  let finished = 0;
  let stopping = false;
  const done = (): void => {
    inFlight = Math.max(0, inFlight - 1);
    if (stopping) finished += 1;
  };
  fastify.addHook('onRequest', (_req, _reply, next) => {
    inFlight += 1;
    next();
  });
  fastify.addHook('onResponse', (_req, _reply, next) => {
    done();
    next();
  });
  fastify.addHook('onRequestAbort', (_req, next) => {
    done();
    next();
  });
  let started = 0;
  fastify.addHook('onClose', (_instance, next) => {
    if (stopping) {
      logger.info(
        { drained: finished, stillOpen: inFlight, tookMs: Date.now() - started },
        'shutdown: server closed',
      );
    }
    next();
  });
  return (signal: string) => {
    if (stopping) return;
    stopping = true;
    started = Date.now();
    logger.info(
      { signal, inFlight, graceMs },
      'shutdown: stopped accepting connections, draining in-flight requests',
    );
  };
}
