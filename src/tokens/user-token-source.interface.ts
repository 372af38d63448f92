export type GitlabRealm = 'saas' | 'self-managed';

export interface UserTokenRequest {
  /** X-Gitlab-Global-User-Id of the user the token is for. */
  globalUserId: string;
  realm: GitlabRealm;
  instanceId: string;
  /** Unit primitives, e.g. `complete_code`, `generate_code`. */
  scopes: string[];
  /**
   * Routing-decision claims (model_provider, model_name, feature_flags, ...). Only the
   * self-signed source can embed them; the gateway mints its own claims and ignores these.
   */
  extra?: Record<string, unknown>;
  /** Lifetime of the token; only the self-signed source can choose it (the gateway mints its own). */
  ttlSeconds?: number;
}

export interface UserToken {
  token: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/** Where the token a client presents to the AIGW comes from (direct access). */
export interface UserTokenSource {
  readonly kind: 'self_signed' | 'gateway';
  tokenFor(input: UserTokenRequest): Promise<UserToken>;
  /**
   * Names the key tokens from this source are signed with right now (our active kid, read from
   * memory). Callers that cache tokens put it in their cache key, so a rotation or a staged key's
   * activation, here or on another instance, stops the reuse of tokens signed by the old key.
   */
  signerId(): string;
}
