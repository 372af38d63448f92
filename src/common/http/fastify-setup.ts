import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from 'pino';
import { codePointLength } from '../text/code-points';
import { loggedUrl } from '../logging/logged-url';
import { installTextGuard } from '../validation/text-guard';
import { installRequestLimits } from './request-limits';

/** Bodies larger than this are refused by Fastify itself (413) before parsing. */
export const HARD_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET = /^\/(-\/|metrics)/;

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Characters (code points, as GitLab's Ruby counts them) in the raw body as sent: the
     * 600,000-char limit is counted in characters, so an emoji is one, not two UTF-16 units.
     */
    bodyChars?: number;
  }
}

/** Incoming X-Request-ID when sane, else a new uuid; echoed on every answer and sent upstream. */
export function genRequestId(req: {
  headers: Record<string, string | string[] | undefined>;
}): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function badRequest(message: string, code: string): Error {
  return Object.assign(new Error(message), { statusCode: 400, code });
}

function decode(req: FastifyRequest, body: Buffer): string {
  try {
    const text = utf8.decode(body);
    req.bodyChars = codePointLength(text);
    return text;
  } catch {
    throw badRequest('body is not valid UTF-8', 'SB_INVALID_UTF8');
  }
}

export function configureFastify(fastify: FastifyInstance, logger: Logger): void {
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser(
    ['application/json', 'application/vnd.api+json'],
    { parseAs: 'buffer' },
    (req: FastifyRequest, body: Buffer, done: (err: Error | null, value?: unknown) => void) => {
      let text: string;
      try {
        text = decode(req, body);
      } catch (err) {
        return done(err as Error);
      }
      if (text.trim() === '') return done(null, {});
      try {
        done(null, JSON.parse(text));
      } catch {
        done(badRequest('body is not valid JSON', 'FST_ERR_CTP_INVALID_JSON_BODY'));
      }
    },
  );
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer' },
    (req: FastifyRequest, body: Buffer, done: (err: Error | null, value?: unknown) => void) => {
      try {
        done(null, { ...parseQuery(decode(req, body)) });
      } catch (err) {
        done(err as Error);
      }
    },
  );

  fastify.addHook('onRequest', (req, reply, next) => {
    void reply.header('x-request-id', req.id);
    next();
  });
  installRequestLimits(fastify, HARD_BODY_LIMIT_BYTES);
  installTextGuard(fastify);
  fastify.addHook('onResponse', (req, reply, next) => {
    const url = req.url;
    if (!QUIET.test(url)) {
      logger.info(
        {
          reqId: req.id,
          method: req.method,
          url: loggedUrl(url),
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
    }
    next();
  });
}
