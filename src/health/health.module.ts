import { Global, Inject, Module, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DatabaseGuard } from '../database/database-guard';
import { PrismaService } from '../database/prisma.service';
import { HealthController } from './health.controller';
import { CheckResult, ReadinessRegistry } from './readiness.registry';

@Global()
@Module({
  controllers: [HealthController],
  providers: [ReadinessRegistry],
  exports: [ReadinessRegistry],
})
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly registry: ReadinessRegistry,
    private readonly prisma: PrismaService,
    private readonly guard: DatabaseGuard,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.registry.register('database', () => this.checkDatabase());
  }

  /**
   * The database answers: ok. It does not, but requests are still served from cached identity
   * (DEGRADED_MAX_STALENESS_MS, counted from when it went down): `degraded` with the reason,
   * still 200, so a load balancer does not take every instance out and undo degraded mode.
   * Past that window nothing cached may serve any more: failed (503).
   */
  private async checkDatabase(): Promise<CheckResult> {
    const backend = this.prisma.backend;
    const started = Date.now();
    try {
      // Through the guard: a failing probe counts toward marking the database down (and starts
      // the degraded window), and while it is down the probe waits for the guard's probe turn.
      await this.guard.run(() => this.prisma.ping(this.config.databaseGuard.deadlineMs));
      return { ok: true, detail: { backend, latency_ms: Date.now() - started } };
    } catch (err) {
      const downMs = this.guard.downForMs() ?? 0;
      const window = this.config.degradedMaxStalenessMs;
      const serving = window > 0 && downMs < window;
      return {
        ok: serving,
        degraded: serving,
        detail: {
          backend,
          error: (err as Error).message,
          ...(serving
            ? {
                reason: 'database unreachable: serving cached identity',
                serving_for_ms: window - downMs,
              }
            : {}),
        },
      };
    }
  }
}
