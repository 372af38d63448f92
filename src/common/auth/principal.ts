export const TOKEN_SCOPES = ['api', 'read_api', 'ai_features'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export interface AuthenticatedUser {
  readonly id: number;
  readonly username: string;
  readonly name: string;
  readonly admin: boolean;
  readonly globalUserId: string;
}

export interface AuthenticatedToken {
  readonly id: number;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly expiresAt: Date | null;
}

/** Who is calling: resolved once per request by the global AuthGuard. */
export interface Principal {
  readonly user: AuthenticatedUser;
  readonly token: AuthenticatedToken;
  /** Resolved from cached identity because the database was unreachable (degraded mode). */
  readonly degraded?: boolean;
}

/** Resolves a presented secret to a principal, or undefined. Implemented by identity/tokens. */
export interface TokenAuthenticator {
  authenticate(secret: string): Promise<Principal | undefined>;
}
export const TOKEN_AUTHENTICATOR = Symbol('TOKEN_AUTHENTICATOR');
