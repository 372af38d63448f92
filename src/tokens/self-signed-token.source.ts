import { Injectable } from '@nestjs/common';
import { JwtIssuerService } from './jwt-issuer.service';
import type { UserToken, UserTokenRequest, UserTokenSource } from './user-token-source.interface';

/**
 * Self-managed GitLab's way: we sign the token ourselves. As in GitLab's self-issued tokens the
 * subject is the instance id (the AIGW compares `sub` with X-Gitlab-Instance-Id for tokens it
 * did not issue itself); the user is bound by the identity headers, not by the token.
 */
@Injectable()
export class SelfSignedTokenSource implements UserTokenSource {
  readonly kind = 'self_signed';

  constructor(private readonly issuer: JwtIssuerService) {}

  signerId(): string {
    return this.issuer.activeKid();
  }

  tokenFor(input: UserTokenRequest): Promise<UserToken> {
    return this.issuer.issue({
      sub: input.instanceId,
      scopes: input.scopes,
      realm: input.realm,
      instanceId: input.instanceId,
      extra: input.extra,
      ttlSeconds: input.ttlSeconds,
    });
  }
}
