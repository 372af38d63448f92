import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/auth/auth.decorators';
import { ReadinessRegistry } from './readiness.registry';
import { livenessSchema, readinessSchema, TAGS } from '../common/http/openapi-schemas';

@Controller('-')
@Public()
@ApiTags(TAGS.health)
export class HealthController {
  constructor(private readonly readiness: ReadinessRegistry) {}

  @Get('liveness')
  @ApiOperation({ summary: 'Liveness probe' })
  @ApiResponse({ status: 200, description: 'The process is up', schema: livenessSchema })
  liveness() {
    return { status: 'ok' };
  }

  @Get('readiness')
  @ApiOperation({ summary: 'Readiness probe: database, flag store, signing keys …' })
  @ApiResponse({
    status: 200,
    description: 'Ready (`ok`, or `degraded` when a check passes in degraded mode)',
    schema: readinessSchema,
  })
  @ApiResponse({ status: 503, description: 'Not ready: a check failed', schema: readinessSchema })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.readiness.run();
    void reply.status(result.ok ? 200 : 503);
    const degraded = Object.values(result.checks).some((c) => c.degraded);
    return { status: result.ok ? (degraded ? 'degraded' : 'ok') : 'failed', checks: result.checks };
  }
}
