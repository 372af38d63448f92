import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../errors/domain-error';
import { ADMIN_ONLY, AuthedRequest, IS_PUBLIC, REQUIRED_SCOPES } from './auth.decorators';
import { TOKEN_AUTHENTICATOR, TokenAuthenticator, TokenScope } from './principal';

const READ_METHODS = new Set(['GET', 'HEAD']);

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

/** Global, deny-by-default: a route is public only with @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_AUTHENTICATOR) private readonly tokens: TokenAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const fromQuery = takeQueryToken(req);
    const secret = presentedToken(req.headers) ?? fromQuery;
    if (!secret) throw DomainError.unauthorized();
    const principal = await this.tokens.authenticate(secret);
    if (!principal) throw DomainError.unauthorized();

    const declared = this.reflector.getAllAndOverride<TokenScope[] | undefined>(
      REQUIRED_SCOPES,
      targets,
    );
    const accepted: readonly string[] =
      declared ?? (READ_METHODS.has(req.method) ? ['api', 'read_api'] : ['api']);
    if (!accepted.some((s) => principal.token.scopes.includes(s))) {
      throw new DomainError('insufficient_scope', accepted.join(' '));
    }
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets) && !principal.user.admin) {
      throw DomainError.forbidden();
    }
    req.principal = principal;
    return true;
  }
}
