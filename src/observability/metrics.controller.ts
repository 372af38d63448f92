import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../common/auth/auth.decorators';
import { FlagsService } from '../flags/flags.service';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint (unauthenticated, like GitLab's /-/metrics: restrict it at the network). */
@Controller()
@Public()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly flags: FlagsService,
  ) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    this.metrics.flagStale.set({ source: this.flags.sourceKind }, this.flags.isStale() ? 1 : 0);
    return this.metrics.registry.metrics();
  }
}
