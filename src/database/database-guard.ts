import { Inject, Injectable } from '@nestjs/common';
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  IPolicy,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import { rootLogger } from '../common/logging/logger';
import { DatabaseUnavailableError } from './database-unavailable';
import { isDatabaseUnreachable } from './prisma-errors';

export { DatabaseUnavailableError, type DatabaseUnavailableReason } from './database-unavailable';

/**
 * Deadline and breaker for the database calls on the request path (identity and seat lookups
 * behind their caches). A call whose caller holds a cached answer fails after DATABASE_DEADLINE_MS,
 * so that answer is served instead of waiting for a hung server (a pool connect alone waits 2 s). After DATABASE_BREAKER_THRESHOLD consecutive failures the database is known to be
 * down: calls fail at once, without a query or a log line, and one probe call is let through
 * every DATABASE_PROBE_AFTER_MS. Only the state changes are logged. cockatiel (already used for
 * the model breakers) provides both policies.
 */
@Injectable()
export class DatabaseGuard {
  /** With the deadline: for calls whose caller has a cached answer to serve instead. */
  private readonly withDeadline: IPolicy;
  private readonly breaker;
  private downSinceMs: number | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const g = config.databaseGuard;
    this.breaker = circuitBreaker(
      handleWhen((err) => !(err instanceof DomainError)),
      {
        halfOpenAfter: g.probeAfterMs,
        breaker: new ConsecutiveBreaker(g.breakerThreshold),
      },
    );
    this.withDeadline = wrap(this.breaker, timeout(g.deadlineMs, TimeoutStrategy.Aggressive));
    this.breaker.onBreak(() => {
      // a failed probe breaks the breaker again: still the same outage, not a new line
      if (this.downSinceMs !== undefined) return;
      this.downSinceMs = Date.now();
      rootLogger.warn(
        { probeAfterMs: g.probeAfterMs },
        'database marked down: serving cached identity, probing',
      );
    });
    this.breaker.onReset(() => {
      const downMs = this.downSinceMs === undefined ? 0 : Date.now() - this.downSinceMs;
      this.downSinceMs = undefined;
      rootLogger.info({ downMs }, 'database back: breaker closed');
    });
  }

  /**
   * Runs one call under the breaker; DatabaseUnavailableError when it cannot. `cached`: the
   * caller has an answer to serve instead, so the call also gets the deadline. Without one
   * (a user not seen yet), waiting for a slow database beats a 503, so only the pool's own
   * limits apply (connect 2 s, query 30 s); a database known down still fails at once.
   */
  async run<T>(call: () => Promise<T>, cached = true): Promise<T> {
    try {
      return await (cached ? this.withDeadline : this.breaker).execute(call);
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw new DatabaseUnavailableError('down');
      if (err instanceof TaskCancelledError)
        throw new DatabaseUnavailableError('timeout', { cause: err });
      if (err instanceof DomainError) throw err;
      throw new DatabaseUnavailableError('error', { cause: err });
    }
  }

  /**
   * True when `err` (from `run`) is the database being away, not a problem of the call: the
   * guard logs that as state changes (down, back), so callers log nothing per failure for it.
   */
  isOutage(err: unknown): boolean {
    if (this.down) return true;
    if (!(err instanceof DatabaseUnavailableError)) return false;
    return err.reason !== 'error' || isDatabaseUnreachable(err.cause);
  }

  /** True while the breaker is open or probing: the database is known to be unreachable. */
  get down(): boolean {
    return this.breaker.state !== CircuitState.Closed;
  }

  /** Milliseconds since the database was marked down, or undefined while it is up. */
  downForMs(now = Date.now()): number | undefined {
    return this.downSinceMs === undefined ? undefined : now - this.downSinceMs;
  }
}
