import { Global, Module, OnModuleInit } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { HealthController } from './health.controller';
import { ReadinessRegistry } from './readiness.registry';

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
  ) {}

  onModuleInit(): void {
    this.registry.register('database', async () => {
      const started = Date.now();
      await this.prisma.ping();
      return {
        ok: true,
        detail: { backend: this.prisma.backend, latency_ms: Date.now() - started },
      };
    });
  }
}
