import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal, TokenScope } from './principal';

export const IS_PUBLIC = 'switchboard:public';
export const REQUIRED_SCOPES = 'switchboard:scopes';
export const ADMIN_ONLY = 'switchboard:admin';

/** Opt a route out of authentication (health, discovery). Everything else is denied by default. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The token needs at least one of these scopes. Default: `api`, or `read_api` for GET/HEAD. */
export const Scopes = (...scopes: TokenScope[]) => SetMetadata(REQUIRED_SCOPES, scopes);

/** Only administrators (403 otherwise). */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

export type AuthedRequest = FastifyRequest & {
  principal?: Principal;
  /** Who the credential was found to be before the body was read (the request-limits hook). */
  preAuthenticated?: { secret: string; principal: Principal };
};

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    if (!req.principal) throw new Error('CurrentPrincipal used on a public route');
    return req.principal;
  },
);
