import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Inject,
  Optional,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode } from './domain-error';
import { CONTENT_TYPE_HINT } from '../http/fastify-setup';
import { rootLogger } from '../logging/logger';
import { loggedUrl } from '../logging/logged-url';

interface HttpAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export const RATE_LIMIT_MESSAGE =
  'This endpoint has been requested too many times. Try again later.';

/** The one mapping from domain error codes to HTTP. Exhaustive: a new code fails to compile. */
export function answerFor(error: DomainError): HttpAnswer {
  const code: ErrorCode = error.code;
  switch (code) {
    case 'unauthorized':
      return { status: 401, body: { message: '401 Unauthorized' } };
    case 'insufficient_scope':
      return {
        status: 403,
        body: {
          error: 'insufficient_scope',
          error_description:
            'The request requires higher privileges than provided by the access token.',
          scope: error.message,
        },
      };
    case 'forbidden':
      return { status: 403, body: { message: error.message } };
    case 'not_found':
      return { status: 404, body: { message: error.message } };
    case 'validation':
      return { status: 400, body: { error: error.message } };
    case 'conflict':
      return { status: 409, body: { message: error.message } };
    case 'unprocessable':
      return { status: 422, body: { message: error.message } };
    case 'missing_default_duo_group':
      // GitLab's body (ee/lib/api/code_suggestions.rb), which the Language Server recognises.
      return {
        status: 422,
        body: {
          error: 'missing_default_duo_group',
          error_description: error.message,
          message: { error: error.message },
        },
      };
    case 'rate_limited':
      return { status: 429, body: { message: { error: RATE_LIMIT_MESSAGE } } };
    case 'payload_too_large':
      return { status: 413, body: { message: '413 Request Entity Too Large' } };
    case 'unsupported_media_type':
      return { status: 415, body: { message: `415 Unsupported Media Type - ${error.message}` } };
    case 'upstream_response': {
      const up = error.upstream ?? { status: 502, body: { message: error.message } };
      return { status: up.status, body: up.body, headers: up.headers };
    }
    case 'upstream_unavailable':
      return { status: 503, body: { message: error.message } };
    case 'upstream_timeout':
      return { status: 504, body: { message: error.message } };
    case 'service_unavailable':
      return { status: 503, body: { message: error.message } };
    case 'client_closed_request':
      return { status: 499, body: { message: error.message } };
  }
}

/** 415 in GitLab's shape, with what to do about it (a missing Content-Type is the usual cause). */
function unsupportedMediaType(detail: string = CONTENT_TYPE_HINT) {
  return { status: 415, body: { message: `415 Unsupported Media Type - ${detail}` } };
}

/** Errors raised by Fastify's own parsing, mapped to the same shapes. */
function answerForFramework(err: { code?: string; statusCode?: number; message: string }) {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { error: 'body is not valid JSON' } };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { message: '413 Request Entity Too Large' } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType();
    case 'SB_JSON_SENT_AS_FORM':
      return unsupportedMediaType(err.message);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: { error: 'Content-Length does not match the body' } };
    default:
      // Our own parser errors and Fastify's other client errors carry a 4xx statusCode.
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        return { status: err.statusCode, body: { error: err.message } };
      }
      return undefined;
  }
}

/**
 * Turns a lower layer's error that is really the client's fault into a DomainError (the database
 * module provides one for numbers the database cannot hold). Provided under ERROR_TRANSLATOR so
 * common/ needs no import from a feature folder.
 */
export type ErrorTranslator = (err: unknown) => DomainError | undefined;
export const ERROR_TRANSLATOR = Symbol('ERROR_TRANSLATOR');

/**
 * Every 5xx we answer leaves a log line with its cause (an Unleash or gateway failure answered
 * as a 503 is otherwise visible only to the client), except a database outage: the database
 * guard logs it as state changes, not once per request refused. The cause is reduced to its
 * message and code: an HTTP client error object carries the request's headers, credentials
 * included.
 */
function logServerSide(error: DomainError, status: number, request: FastifyRequest): void {
  const cause = error.cause as { message?: unknown; code?: unknown } | undefined;
  rootLogger.warn(
    {
      status,
      code: error.code,
      cause:
        cause === undefined
          ? undefined
          : [cause.code, cause.message].filter((v) => typeof v === 'string').join(': '),
      reqId: request.id,
      method: request.method,
      url: loggedUrl(request.url),
    },
    `answered ${status}: ${error.message}`,
  );
}

@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  constructor(@Optional() @Inject(ERROR_TRANSLATOR) private readonly translate?: ErrorTranslator) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    this.respond(exception, ctx.getRequest<FastifyRequest>(), ctx.getResponse<FastifyReply>());
  }

  /** Answers `exception` on `reply`; also for the route Fastify runs without Nest's pipeline. */
  respond(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const answer = this.toAnswer(exception, request);
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    for (const [k, v] of Object.entries(answer.headers ?? {})) void reply.header(k, v);
    void reply.status(answer.status).send(answer.body);
  }

  private toAnswer(thrown: unknown, request: FastifyRequest): HttpAnswer {
    const exception = this.translate?.(thrown) ?? thrown;
    if (exception instanceof DomainError) {
      const answer = answerFor(exception);
      if (answer.status >= 500 && !exception.loggedAsStateChange)
        logServerSide(exception, answer.status, request);
      return { ...answer, headers: { ...answer.headers, ...exception.headers } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) return { status, body: { error: '404 Not Found' } };
      // Nest turns Fastify's body-limit and media-type errors into plain HttpExceptions (code
      // lost), so they are recognised by status here and answered as answerForFramework does.
      if (status === 413) return answerFor(new DomainError('payload_too_large', exception.message));
      if (status === 415) return unsupportedMediaType();
      if (status < 500) return { status, body: { error: exception.message } };
    }
    const fw = answerForFramework(exception as { code?: string; message: string });
    if (fw) return fw;
    const errorId = randomUUID();
    // loggedUrl: a query string may hold `private_token` (GitLab's query authentication).
    rootLogger.error(
      {
        err: exception,
        errorId,
        reqId: request.id,
        method: request.method,
        url: loggedUrl(request.url),
      },
      'unhandled error',
    );
    return { status: 500, body: { message: '500 Internal Server Error', error_id: errorId } };
  }
}
