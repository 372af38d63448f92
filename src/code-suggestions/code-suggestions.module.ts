import { ModelSelectionModule } from '../model-selection/model-selection.module';
import { Module } from '@nestjs/common';
import { ObservabilityModule } from '../observability/observability.module';
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
  ],
  exports: [RouteDeciderService, GatewayModelsService, DirectAccessService, CompletionsService],
})
export class CodeSuggestionsModule {}
