import { Injectable } from '@nestjs/common';
import { TtlCache } from '../common/cache/ttl-cache';
import { JwtIssuerService } from '../tokens/jwt-issuer.service';
import type { GitlabRealm } from '../tokens/user-token-source.interface';

const REUSE_MS = 50 * 60 * 1000; // tokens live 1 h; reuse for 50 min, so >= 10 min remain

/**
 * Tokens for our own (indirect) calls to the gateway. Signing costs ~1 ms of CPU, so a token is
 * reused per user and decision while it has at least 10 minutes left.
 */
@Injectable()
export class UpstreamTokenService {
  private readonly cache = new TtlCache<string, string>(REUSE_MS, 50_000);

  constructor(private readonly issuer: JwtIssuerService) {}

  async tokenFor(input: {
    globalUserId: string;
    instanceId: string;
    realm: GitlabRealm;
    claims: Record<string, unknown>;
  }): Promise<string> {
    // The active kid is part of the key: after a rotation (or a staged key's activation, here or
    // on another instance) we sign with the new key at once instead of reusing old tokens.
    const key = `${this.issuer.activeKid()}|${input.globalUserId}|${input.instanceId}|${input.realm}|${JSON.stringify(input.claims)}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    // The gateway compares `sub` with X-Gitlab-Instance-Id for tokens a GitLab instance signs.
    const { token } = await this.issuer.issue({
      sub: input.instanceId,
      scopes: ['complete_code', 'generate_code'],
      realm: input.realm,
      instanceId: input.instanceId,
      extra: { gitlab_global_user_id: input.globalUserId, ...input.claims },
    });
    this.cache.set(key, token);
    return token;
  }
}
