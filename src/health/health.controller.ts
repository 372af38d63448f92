import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/auth/auth.decorators';
import { ReadinessRegistry } from './readiness.registry';

@Controller('-')
@Public()
export class HealthController {
  constructor(private readonly readiness: ReadinessRegistry) {}

  @Get('liveness')
  liveness() {
    return { status: 'ok' };
  }

  @Get('readiness')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.readiness.run();
    void reply.status(result.ok ? 200 : 503);
    const degraded = Object.values(result.checks).some((c) => c.degraded);
    return { status: result.ok ? (degraded ? 'degraded' : 'ok') : 'failed', checks: result.checks };
  }
}
