/**
 * Injection tokens and tunables of the tokens module. GATEWAY_BASE_URL is provided by the app
 * (the tokens module does not know whether the AIGW is the built-in stub or AIGW_URL).
 */

/** The AI Gateway base URL (its home is the gateway module; the gateway token source uses it). */
export { GATEWAY_BASE_URL, type GatewayBaseUrl } from '../gateway/gateway-base-url';

/** The active `UserTokenSource` (self-signed or obtained from the gateway, by config). */
export const USER_TOKEN_SOURCE = Symbol('USER_TOKEN_SOURCE');

/** Optional `Partial<TokensTuning>`: tests inject a clock and short intervals. */
export const TOKENS_TUNING = Symbol('TOKENS_TUNING');

/** Longest lifetime of a token we sign (CONTRACT: "Token lifetime 1 hour"). */
export const MAX_TOKEN_LIFETIME_SEC = 3600;
/** Allowed clock difference between us and verifiers. */
export const CLOCK_SKEW_SEC = 300;
/**
 * A retired key stays in the JWKS this long after `retiredAt`: every token it signed is then
 * expired even on a verifier whose clock is behind by CLOCK_SKEW_SEC.
 */
export const RETIRED_KEY_PUBLISHED_MS = (MAX_TOKEN_LIFETIME_SEC + CLOCK_SKEW_SEC) * 1000;

/**
 * The Language Server asks for a new direct-access token this long before `expires_at`; a token
 * with less left is useless to it (it would ask again at once).
 */
export const CLIENT_REFRESH_MARGIN_SEC = 40;
/** A token already minted is handed out again (to the same user and decision) for this long. */
export const TOKEN_REUSE_SEC = 300;
/**
 * A direct-access token is handed out again only while the client would then wait at least this
 * long before it re-asks (it re-asks CLIENT_REFRESH_MARGIN_SEC before `expires_at`): at most one
 * direct_access call a minute per client (docs/api-contract.md, "Direct access: how fast").
 */
export const MIN_CLIENT_REASK_SEC = 60;
/**
 * A cached token is reused only while it has at least this long left: the client's refresh margin
 * plus the reuse window plus a minute of slack, so even a token handed out at the end of the
 * window leaves the client minutes of use (and a clock behind by a minute is harmless).
 */
export const MIN_REUSABLE_LIFE_SEC = CLIENT_REFRESH_MARGIN_SEC + TOKEN_REUSE_SEC + 60;

export interface TokensTuning {
  /** Epoch milliseconds. */
  now: () => number;
  /** How often every instance re-reads `signing_keys` (picks up rotations made elsewhere). */
  keyRefreshIntervalMs: number;
  /** The JWKS answer re-reads the table first when the in-memory copy is older than this. */
  jwksMaxStalenessMs: number;
  /** Deadline of `POST /v1/code/user_access_token`. */
  gatewayTimeoutMs: number;
  /**
   * `Cache-Control: max-age` of the JWKS answer (tests shorten it). Short, because a verifier
   * that honours it trusts a removed key that long; a rotation waits this long (on top of the
   * gateway's own cache time) before the new key signs, in case an HTTP cache holds the answer.
   */
  jwksCacheMaxAgeSec: number;
}

export const DEFAULT_TOKENS_TUNING: TokensTuning = {
  now: () => Date.now(),
  keyRefreshIntervalMs: 30_000,
  jwksMaxStalenessMs: 5_000,
  gatewayTimeoutMs: 5_000,
  jwksCacheMaxAgeSec: 300,
};

export function tuningWith(partial: Partial<TokensTuning> | undefined): TokensTuning {
  return { ...DEFAULT_TOKENS_TUNING, ...partial };
}
