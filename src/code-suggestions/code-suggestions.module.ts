import { ModelSelectionModule } from '../model-selection/model-selection.module';
import { Module } from '@nestjs/common';
import { MetricsService } from '../observability/metrics.service';
import { ObservabilityModule } from '../observability/observability.module';
import { BreakersService } from '../resilience/breakers.service';
import { ResilienceModule } from '../resilience/resilience.module';
import { TokensModule } from '../tokens/tokens.module';
import { RoutingExplainController } from './routing-explain.controller';
import { RoutingExplainService } from './routing-explain.service';
import { CompletionsController } from './completions.controller';
import { CompletionsService } from './completions.service';
import { DirectAccessController } from './direct-access.controller';
import { DirectAccessService } from './direct-access.service';
import { GatewayModelsService } from './gateway-models.service';
import { RouteDeciderService } from './route-decider.service';
import { ServedDecisions } from './served-decisions';
import { UpstreamTokenService } from './upstream-token.service';

/** The IDE-facing Code Suggestions endpoints. */
@Module({
  imports: [TokensModule, ResilienceModule, ObservabilityModule, ModelSelectionModule],
  controllers: [CompletionsController, DirectAccessController, RoutingExplainController],
  providers: [
    CompletionsService,
    DirectAccessService,
    RouteDeciderService,
    GatewayModelsService,
    UpstreamTokenService,
    RoutingExplainService,
    ServedDecisions,
  ],
  exports: [
    RouteDeciderService,
    GatewayModelsService,
    DirectAccessService,
    CompletionsService,
    ServedDecisions,
  ],
})
export class CodeSuggestionsModule {
  /**
   * switchboard_breaker_state, read at each scrape: under automatic failover every catalogue
   * model has a breaker (closed until it first changes), so each is exported from the start.
   */
  constructor(router: RouteDeciderService, breakers: BreakersService, metrics: MetricsService) {
    metrics.setBreakerSource(() =>
      router.models.completionFailover?.mode === 'automatic'
        ? breakers.states(router.models.models.values())
        : {},
    );
  }
}
