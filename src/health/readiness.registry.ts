import { Injectable } from '@nestjs/common';

export interface CheckResult {
  /** false makes /-/readiness answer 503. */
  ok: boolean;
  /** true: still serving, but from stale data (reported, does not fail readiness). */
  degraded?: boolean;
  detail?: Record<string, unknown>;
}

export type ReadinessCheck = () => Promise<CheckResult>;

/** Modules register what readiness must check (database, flag source, …). */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async run(): Promise<{ ok: boolean; checks: Record<string, CheckResult> }> {
    const results: Record<string, CheckResult> = {};
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          results[name] = await check();
        } catch (err) {
          results[name] = { ok: false, detail: { error: (err as Error).message } };
        }
      }),
    );
    return { ok: Object.values(results).every((r) => r.ok), checks: results };
  }
}
