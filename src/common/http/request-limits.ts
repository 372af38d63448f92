import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthedRequest } from '../auth/auth.decorators';
import { presentedToken } from '../auth/authorize';
import type { TokenAuthenticator } from '../auth/principal';

/** Methods whose bodies Fastify never parses: a body there is only a way to hold a socket. */
const BODYLESS = new Set(['GET', 'HEAD']);

/**
 * Node's http server options for the phase time limits (see README "Time limits"):
 * - headersTimeout: the request line and headers must arrive within this;
 * - requestTimeout: the whole request, body included, must arrive within this (408 after);
 * - keepAliveTimeout: an idle keep-alive connection is closed after this (above the usual 60 s
 *   of load balancers, so they close first);
 * - connectionsCheckingInterval: how often Node looks for requests past those limits, so a
 *   limit is enforced within about a second of being passed instead of up to 30 s later.
 */
export function serverTimeouts(http: {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
}) {
  return {
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    http: {
      headersTimeout: Math.min(http.headersTimeoutMs, http.requestTimeoutMs),
      connectionsCheckingInterval: 1000,
    },
  };
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** The token as the auth guard will read it: a header, else GitLab's `?private_token=`. */
function credential(req: FastifyRequest): string | undefined {
  const header = presentedToken(req.headers);
  if (header !== undefined) return header;
  const q = (req.query as Record<string, unknown> | undefined)?.private_token;
  return typeof q === 'string' && q.trim().length > 0 ? q.trim() : undefined;
}

/** Answer now and close the connection, so Node does not read (drain) the body we refused. */
function refuse(reply: FastifyReply, status: number, body: object): void {
  void reply.header('connection', 'close').code(status).send(body);
}

/**
 * Limits applied before a body is read (Fastify's onRequest runs before body parsing):
 * - a declared body over the body limit is a 413 for every method, GET included;
 * - GET and HEAD take no body (Fastify would not parse it, Node would still read all of it);
 * - a request with a body must present a credential: no public route takes a body, so an
 *   unauthenticated client cannot hold a body open (the credential itself is checked later).
 */
export function installRequestLimits(fastify: FastifyInstance, bodyLimitBytes: number): void {
  fastify.addHook('onRequest', (req, reply, done) => {
    if (!hasBody(req)) return done();
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > bodyLimitBytes || BODYLESS.has(req.method)) {
      return refuse(reply, 413, { message: '413 Request Entity Too Large' });
    }
    if (!credential(req)) return refuse(reply, 401, { message: '401 Unauthorized' });
    done();
  });
}

/**
 * Authentication before the body is read: a request with a body whose token does not
 * authenticate is a 401 before a byte of the body is read, so a client with a made-up token
 * cannot hold a body open either. The principal found is kept on the request, so the auth guard
 * checks its scopes without hashing the token again. When authentication cannot be decided now
 * (database down, token unknown to the cache), the request goes on and the guard decides.
 */
export function installBodyAuthentication(
  fastify: FastifyInstance,
  tokens: TokenAuthenticator,
): void {
  fastify.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const secret = hasBody(req) ? credential(req) : undefined;
    if (secret === undefined) return;
    const principal = await tokens.authenticate(secret).catch(() => null);
    if (principal) (req as AuthedRequest).preAuthenticated = { secret, principal };
    if (principal !== undefined) return;
    refuse(reply, 401, { message: '401 Unauthorized' });
    return reply; // answered: Fastify stops the lifecycle here
  });
}
