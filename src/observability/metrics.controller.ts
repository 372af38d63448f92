import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/auth.decorators';
import { DomainError } from '../common/errors/domain-error';
import { FlagsService } from '../flags/flags.service';
import { MetricsService } from './metrics.service';
import { TAGS } from '../common/http/openapi-schemas';

/** Prometheus scrape endpoint (unauthenticated, like GitLab's /-/metrics: restrict it at the network). */
@Controller()
@Public()
@ApiTags(TAGS.metrics)
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    flags: FlagsService,
  ) {
    metrics.setFlagSource(() => ({
      source: flags.sourceKind,
      stale: flags.isStale(),
      ageSeconds: flags.sourceAgeSeconds(),
    }));
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiResponse({
    status: 200,
    description: 'Prometheus text format 0.0.4',
    content: {
      'text/plain': {
        schema: {
          type: 'string',
          example: 'switchboard_requests_total{endpoint="/api/v4/code_suggestions/completions"} 42',
        },
      },
    },
  })
  @ApiResponse({ status: 503, description: 'WORKERS>1: a worker did not report in time' })
  async scrape(): Promise<string> {
    try {
      return await this.metrics.scrape();
    } catch (err) {
      throw new DomainError('service_unavailable', (err as Error).message, { cause: err });
    }
  }
}
