import { Module } from '@nestjs/common';
import { CodeSuggestionsModule } from '../code-suggestions/code-suggestions.module';
import { MetricsService } from '../observability/metrics.service';
import { ObservabilityModule } from '../observability/observability.module';
import { AcceptanceController, TrackEventController } from './acceptance.controller';
import { AcceptanceMetrics } from './acceptance.metrics';
import { AcceptanceRepository } from './acceptance.repository';
import { AcceptanceService } from './acceptance.service';
import { DecisionLedgerService } from './decision-ledger.service';

/**
 * Suggestion acceptance (docs/acceptance.md): the IDE's track_event intake, the per-user ledger
 * of served decisions, the durable per-minute rollup and its admin read. The rollout guard reads
 * `AcceptanceService.totals()`.
 */
@Module({
  imports: [CodeSuggestionsModule, ObservabilityModule],
  controllers: [TrackEventController, AcceptanceController],
  providers: [
    AcceptanceService,
    AcceptanceRepository,
    DecisionLedgerService,
    { provide: AcceptanceMetrics, useValue: new AcceptanceMetrics() },
  ],
  exports: [AcceptanceService],
})
export class AcceptanceModule {
  constructor(metrics: MetricsService, own: AcceptanceMetrics) {
    metrics.registry.registerMetric(own.events);
    metrics.registry.registerMetric(own.ignored);
    metrics.registry.registerMetric(own.flushFailures);
  }
}
