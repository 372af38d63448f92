import { Global, Module } from '@nestjs/common';
import { CodeSuggestionsModule } from '../code-suggestions/code-suggestions.module';
import { MetricsService } from '../observability/metrics.service';
import { ObservabilityModule } from '../observability/observability.module';
import { AcceptanceController, TrackEventController } from './acceptance.controller';
import { AcceptanceMetrics } from './acceptance.metrics';
import { AcceptanceRepository } from './acceptance.repository';
import { AcceptanceService } from './acceptance.service';
import { ACCEPTANCE_READER } from './acceptance.types';
import { DecisionLedgerService } from './decision-ledger.service';

/**
 * Suggestion acceptance (docs/acceptance.md): the IDE's track_event intake, the per-user ledger
 * of served decisions, the durable per-minute rollup and its admin read. Global so that the
 * rollout guard (resilience, below code-suggestions, which this module imports) can inject
 * ACCEPTANCE_READER without a module cycle.
 */
@Global()
@Module({
  imports: [CodeSuggestionsModule, ObservabilityModule],
  controllers: [TrackEventController, AcceptanceController],
  providers: [
    AcceptanceService,
    AcceptanceRepository,
    DecisionLedgerService,
    { provide: AcceptanceMetrics, useValue: new AcceptanceMetrics() },
    { provide: ACCEPTANCE_READER, useExisting: AcceptanceService },
  ],
  exports: [AcceptanceService, ACCEPTANCE_READER],
})
export class AcceptanceModule {
  constructor(metrics: MetricsService, own: AcceptanceMetrics) {
    metrics.registry.registerMetric(own.events);
    metrics.registry.registerMetric(own.ignored);
    metrics.registry.registerMetric(own.flushFailures);
  }
}
