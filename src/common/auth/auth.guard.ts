import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ADMIN_ONLY, AuthedRequest, IS_PUBLIC, REQUIRED_SCOPES } from './auth.decorators';
import { AccessRule, authorize } from './authorize';
import { TOKEN_AUTHENTICATOR, TokenAuthenticator, TokenScope } from './principal';

/** The handler and its controller class, as Nest's Reflector takes them. */
export type RouteTargets = Parameters<Reflector['getAllAndOverride']>[1];

/** A route's access rule from its decorators (the method's override the class's). */
export function accessRuleOf(reflector: Reflector, t: RouteTargets): AccessRule {
  return {
    isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC, t) === true,
    scopes: reflector.getAllAndOverride<TokenScope[] | undefined>(REQUIRED_SCOPES, t),
    adminOnly: reflector.getAllAndOverride<boolean>(ADMIN_ONLY, t) === true,
  };
}

/** Global, deny-by-default: a route is public only with @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_AUTHENTICATOR) private readonly tokens: TokenAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = accessRuleOf(this.reflector, [context.getHandler(), context.getClass()]);
    await authorize(context.switchToHttp().getRequest<AuthedRequest>(), this.tokens, rule);
    return true;
  }
}
