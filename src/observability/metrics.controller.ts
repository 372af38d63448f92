import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/auth.decorators';
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
    private readonly flags: FlagsService,
  ) {}

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
          example: 'switchboard_requests_total{endpoint="completions"} 42',
        },
      },
    },
  })
  async scrape(): Promise<string> {
    this.metrics.flagStale.set({ source: this.flags.sourceKind }, this.flags.isStale() ? 1 : 0);
    this.metrics.flagSourceAge.set(
      { source: this.flags.sourceKind },
      this.flags.sourceAgeSeconds(),
    );
    return this.metrics.registry.metrics();
  }
}
