/**
 * Per-key limits over a fixed window (like GitLab's ApplicationRateLimiter). With REDIS_URL the
 * count is shared by the whole fleet; without it, or while Redis is unreachable, each process
 * counts for itself (see src/shared-state/fleet-rate-limiter.ts).
 */
export interface RateLimiter {
  /** Counts one hit; resolves undefined when allowed, else the seconds until the window resets. */
  hit(key: string): Promise<number | undefined>;
}

export interface RateLimiters {
  /** `name` keeps the counters of different limits apart (completions, direct_access). */
  create(name: string, limit: number, periodMs: number): RateLimiter;
}

export const RATE_LIMITERS = Symbol('RATE_LIMITERS');
