import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from 'pino';
import { codePointLength } from '../text/code-points';
import { loggedUrl } from '../logging/logged-url';
import { enterRequestLogContext } from '../logging/logger';
import { installTextGuard } from '../validation/text-guard';
import { installRequestLimits } from './request-limits';
import { parseMultipart } from './multipart-body';

/** Bodies larger than this are refused by Fastify itself (413) before parsing. */
export const HARD_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * GitLab (Rails/Grape behind Workhorse) answers `/api/v4/features//name` and `/api/v4/features/`
 * as if the extra slashes were not there, and python-gitlab 3.12 sends both. Fastify's router
 * options (ignoreDuplicateSlashes/ignoreTrailingSlash) would do it too, but they refuse routes
 * declared with and without the slash (the docs UI has both), so the path is rewritten instead,
 * before routing: runs of slashes become one and a trailing slash goes. The query is untouched.
 */
export function normalisePath(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  const pathPart = q === -1 ? raw : raw.slice(0, q);
  const clean = pathPart.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
  return clean === pathPart ? raw : clean + (q === -1 ? '' : raw.slice(q));
}

const QUIET = /^\/(-\/|metrics)/;

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Characters (code points, as GitLab's Ruby counts them) in the raw body as sent: the
     * 600,000-char limit is counted in characters, so an emoji is one, not two UTF-16 units.
     */
    bodyChars?: number;
    /**
     * Set by the JSON parser when the raw text has no `\u0000` escape (a raw NUL is not valid
     * JSON), so the parsed body holds no NUL and the text guard need not walk it.
     */
    bodyNulFree?: boolean;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function badRequest(message: string, code: string): Error {
  return Object.assign(new Error(message), { statusCode: 400, code });
}

/** The hint every 415 carries: the API takes JSON (or, as GitLab does, a form). */
export const CONTENT_TYPE_HINT = 'send the body as JSON with Content-Type: application/json';

function jsonSentAsForm(): Error {
  return Object.assign(
    new Error(
      `the body is JSON but Content-Type is application/x-www-form-urlencoded: ${CONTENT_TYPE_HINT}`,
    ),
    { statusCode: 415, code: 'SB_JSON_SENT_AS_FORM' },
  );
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

/** python-gitlab 3.12 parses a body only when Content-Type is exactly `application/json`. */
function exactJsonContentType(value: unknown): boolean {
  return typeof value === 'string' && /^application\/json;\s*charset=utf-8$/i.test(value);
}

export function configureFastify(fastify: FastifyInstance, logger: Logger): void {
  addBodyParsers(fastify);
  addRequestHooks(fastify, logger);
}

/** JSON, form and multipart bodies, each decoded as UTF-8 and counted in code points. */
function addBodyParsers(fastify: FastifyInstance): void {
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
      req.bodyNulFree = !text.includes('\\u0000');
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
        const text = decode(req, body);
        // `curl -d '{...}'` without -H sends JSON as a form; parsed as one, its fields would be
        // reported missing, which hides the real mistake.
        if (/^\s*[[{]/.test(text)) return done(jsonSentAsForm());
        done(null, { ...parseQuery(text) });
      } catch (err) {
        done(err as Error);
      }
    },
  );

  // GitLab's Grape accepts JSON, form-urlencoded and multipart on every write.
  fastify.addContentTypeParser('multipart/form-data', (req, payload, done) =>
    parseMultipart(req, payload, HARD_BODY_LIMIT_BYTES, done),
  );
}

/** The request id on every answer and every log line of the request, GitLab's exact JSON content type, one log line per request. */
function addRequestHooks(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onRequest', (req, reply, next) => {
    // Every line logged while this request is handled carries its id (logger.ts).
    enterRequestLogContext(req.id);
    void reply.header('x-request-id', req.id);
    next();
  });
  installRequestLimits(fastify, HARD_BODY_LIMIT_BYTES);
  installTextGuard(fastify);
  fastify.addHook('onSend', (_req, reply, payload, next) => {
    if (exactJsonContentType(reply.getHeader('content-type'))) {
      void reply.header('content-type', 'application/json');
    }
    next(null, payload);
  });
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
