import { DomainError } from '../errors/domain-error';
import type { AuthedRequest } from './auth.decorators';
import type { Principal, TokenAuthenticator, TokenScope } from './principal';

const READ_METHODS = new Set(['GET', 'HEAD']);

/** What a route asks of its caller, as its decorators declare it (@Public, @Scopes, @AdminOnly). */
export interface AccessRule {
  isPublic: boolean;
  /** At least one of these; undefined: `api`, or `read_api` too for GET/HEAD. */
  scopes?: readonly TokenScope[];
  adminOnly: boolean;
}

/** Reads `Authorization: Bearer <t>` or `PRIVATE-TOKEN: <t>`. */
export function presentedToken(headers: AuthedRequest['headers']): string | undefined {
  const priv = headers['private-token'];
  if (typeof priv === 'string' && priv.length > 0) return priv.trim();
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * GitLab also takes the token as `?private_token=` (scripts and some clients use it). It is
 * removed from the query once read, so no route's query validation sees it or echoes it (the
 * request log never writes query strings).
 */
function takeQueryToken(req: AuthedRequest): string | undefined {
  const query = req.query as Record<string, unknown> | undefined;
  if (!query || !('private_token' in query)) return undefined;
  const value = query.private_token;
  delete query.private_token;
  return typeof value === 'string' && value.length > 0 ? value.trim() : undefined;
}

/**
 * Deny by default: the caller's token, its scopes and (for admin routes) the user, checked
 * against the route's rule; the principal is left on `req.principal`. One implementation for the
 * global AuthGuard and the completions route, which Fastify runs without Nest's pipeline.
 */
export async function authorize(
  req: AuthedRequest,
  tokens: TokenAuthenticator,
  rule: AccessRule,
): Promise<Principal | undefined> {
  if (rule.isPublic) return undefined;
  const fromQuery = takeQueryToken(req);
  const secret = presentedToken(req.headers) ?? fromQuery;
  if (!secret) throw DomainError.unauthorized();
  // A request with a body was authenticated before its body was read: not hashed twice.
  const known = req.preAuthenticated;
  const principal = known?.secret === secret ? known.principal : await tokens.authenticate(secret);
  if (!principal) throw DomainError.unauthorized();

  const accepted: readonly string[] =
    rule.scopes ?? (READ_METHODS.has(req.method) ? ['api', 'read_api'] : ['api']);
  if (!accepted.some((s) => principal.token.scopes.includes(s))) {
    throw new DomainError('insufficient_scope', accepted.join(' '));
  }
  if (rule.adminOnly && !principal.user.admin) throw DomainError.forbidden();
  req.principal = principal;
  return principal;
}
