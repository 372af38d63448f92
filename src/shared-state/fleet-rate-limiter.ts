import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { RateLimiter, RateLimiters } from '../common/rate-limit/rate-limiter';
import type { RedisConnection } from './redis-connection';

/**
 * Fixed windows from rate-limiter-flexible: in Redis (one atomic Lua call per hit, shared by the
 * fleet) when REDIS_URL is set, in this process's memory otherwise.
 *
 * The library's own `insuranceLimiter` would fall back silently; we choose the fallback here so
 * each per-process hit is counted (metric) and Redis is not even tried while known to be down.
 */
export class FleetRateLimiter implements RateLimiter {
  private readonly local: RateLimiterMemory;
  private readonly shared?: RateLimiterRedis;

  constructor(
    private readonly name: string,
    limit: number,
    periodMs: number,
    private readonly redis?: { connection: RedisConnection; keyPrefix: string },
    private readonly onLocalFallback: (name: string) => void = () => undefined,
  ) {
    const window = { points: limit, duration: Math.max(1, Math.round(periodMs / 1000)) };
    this.local = new RateLimiterMemory({ ...window, keyPrefix: name });
    if (redis) {
      this.shared = new RateLimiterRedis({
        ...window,
        storeClient: redis.connection.client,
        keyPrefix: `${redis.keyPrefix}rl:${name}`,
        rejectIfRedisNotReady: true,
      });
    }
  }

  async hit(key: string): Promise<number | undefined> {
    if (this.shared && this.redis?.connection.isUp) {
      const verdict = await consume(this.shared, key);
      if (verdict !== 'failed') return verdict;
      this.redis.connection.reportFailure();
    }
    if (this.shared) this.onLocalFallback(this.name);
    const verdict = await consume(this.local, key);
    return verdict === 'failed' ? undefined : verdict;
  }
}

/** undefined: allowed; a number: refused, seconds to wait; 'failed': the store did not answer. */
async function consume(
  limiter: RateLimiterAbstract,
  key: string,
): Promise<number | undefined | 'failed'> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (res) {
    if (res instanceof RateLimiterRes) return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    return 'failed';
  }
}

export class FleetRateLimiters implements RateLimiters {
  constructor(
    private readonly redis: { connection: RedisConnection; keyPrefix: string } | undefined,
    private readonly onLocalFallback: (name: string) => void,
  ) {}

  create(name: string, limit: number, periodMs: number): RateLimiter {
    return new FleetRateLimiter(name, limit, periodMs, this.redis, this.onLocalFallback);
  }
}
