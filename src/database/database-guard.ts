import { Inject, Injectable, Optional } from '@nestjs/common';
import { TaskCancelledError, timeout, TimeoutStrategy, type TimeoutPolicy } from 'cockatiel';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import { CHANGE_BUS, type ChangeBus } from '../common/fleet/change-bus';
import { rootLogger } from '../common/logging/logger';
import { DatabaseUnavailableError } from './database-unavailable';
import { isDatabaseUnreachable } from './prisma-errors';

export { DatabaseUnavailableError, type DatabaseUnavailableReason } from './database-unavailable';

/**
 * Deadline and breaker for the database calls on the request path (identity and seat lookups
 * behind their caches). A call whose caller holds a cached answer fails after DATABASE_DEADLINE_MS,
 * so that answer is served instead of waiting for a hung server (a pool connect alone waits 2 s).
 * After DATABASE_BREAKER_THRESHOLD consecutive failures the database is known to be down: calls
 * with a cached answer fail at once, without a query or a log line, and one of them probes every
 * DATABASE_PROBE_AFTER_MS. A call with nothing else to serve (a user nobody has seen) is the
 * probe itself, or waits for the verdict of the one in flight: so the first such request after
 * the database returns is answered, not a 503 until the next probe turn. A process that sees the
 * database back tells the fleet (change bus), whose next call probes. Only the state changes are
 * logged. cockatiel (already used for the model breakers) provides the deadline.
 */
@Injectable()
export class DatabaseGuard {
  private readonly deadline: TimeoutPolicy;
  private readonly threshold: number;
  private readonly probeAfterMs: number;
  private failures = 0;
  private downSinceMs: number | undefined;
  private nextProbeAt = 0;
  /** The probe in flight while down; resolves (never rejects) with its verdict. */
  private probe: Promise<void> | undefined;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() @Inject(CHANGE_BUS) private readonly bus?: ChangeBus,
  ) {
    const g = config.databaseGuard;
    this.threshold = g.breakerThreshold;
    this.probeAfterMs = g.probeAfterMs;
    this.deadline = timeout(g.deadlineMs, TimeoutStrategy.Aggressive);
    bus?.subscribe('database.back', () => {
      this.nextProbeAt = 0;
    });
  }

  /**
   * Runs one call under the breaker; DatabaseUnavailableError when it cannot. `cached`: the
   * caller has an answer to serve instead, so the call also gets the deadline and, while the
   * database is down, fails at once outside its probe turn. Without one (a user not seen yet),
   * waiting for a slow database beats a 503, so only the pool's own limits apply (connect 2 s,
   * query 30 s) until the database is known down.
   */
  async run<T>(call: () => Promise<T>, cached = true): Promise<T> {
    if (this.downSinceMs === undefined) return this.attempt(call, cached);
    if (this.probe) {
      if (cached) throw new DatabaseUnavailableError('down');
      await this.probe;
      if (this.down) throw new DatabaseUnavailableError('down');
      return this.attempt(call, cached);
    }
    if (cached && Date.now() < this.nextProbeAt) throw new DatabaseUnavailableError('down');
    let verdict!: () => void;
    this.probe = new Promise((resolve) => (verdict = resolve));
    try {
      // a database that has been failing gets the deadline from every probe
      return await this.attempt(call, true);
    } finally {
      this.probe = undefined;
      verdict();
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

  /** True while the database is known to be unreachable (until a call answers again). */
  get down(): boolean {
    return this.downSinceMs !== undefined;
  }

  /** Milliseconds since the database was marked down, or undefined while it is up. */
  downForMs(now = Date.now()): number | undefined {
    return this.downSinceMs === undefined ? undefined : now - this.downSinceMs;
  }

  private async attempt<T>(call: () => Promise<T>, cached: boolean): Promise<T> {
    let result: T;
    try {
      result = cached ? await this.deadline.execute(call) : await call();
    } catch (err) {
      // the caller's own verdict (not found, conflict, …): the database answered
      if (err instanceof DomainError) {
        this.answered();
        throw err;
      }
      this.failed();
      if (err instanceof TaskCancelledError)
        throw new DatabaseUnavailableError('timeout', { cause: err });
      throw new DatabaseUnavailableError('error', { cause: err });
    }
    this.answered();
    return result;
  }

  private answered(): void {
    this.failures = 0;
    if (this.downSinceMs === undefined) return;
    const downMs = Date.now() - this.downSinceMs;
    this.downSinceMs = undefined;
    rootLogger.info({ downMs }, 'database back: breaker closed');
    this.bus?.publish('database.back', {});
  }

  private failed(): void {
    this.failures++;
    if (this.downSinceMs !== undefined) {
      // a failed probe: still the same outage, not a new line
      this.nextProbeAt = Date.now() + this.probeAfterMs;
      return;
    }
    if (this.failures < this.threshold) return;
    this.downSinceMs = Date.now();
    this.nextProbeAt = this.downSinceMs + this.probeAfterMs;
    rootLogger.warn(
      { probeAfterMs: this.probeAfterMs },
      'database marked down: serving cached identity, probing',
    );
  }
}
