import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { MetricsController } from '../observability/metrics.controller';
import { MetricsService } from '../observability/metrics.service';
import { BreakersService } from '../resilience/breakers.service';
import { ResilientGatewayService } from '../resilience/resilient-gateway.service';
import { RolloutGuardService } from '../resilience/rollout-guard.service';
import { RoutingExplainController } from './routing-explain.controller';
import { RoutingExplainService } from './routing-explain.service';
import { CompletionsController } from './completions.controller';
import { CompletionsService } from './completions.service';
import { DirectAccessController } from './direct-access.controller';
import { DirectAccessService } from './direct-access.service';
import { RouteDeciderService } from './route-decider.service';
import { UpstreamTokenService } from './upstream-token.service';

/** The IDE-facing Code Suggestions endpoints. */
@Module({
  imports: [TokensModule],
  controllers: [
    CompletionsController,
    DirectAccessController,
    MetricsController,
    RoutingExplainController,
  ],
  providers: [
    CompletionsService,
    DirectAccessService,
    RouteDeciderService,
    UpstreamTokenService,
    MetricsService,
    BreakersService,
    ResilientGatewayService,
    RolloutGuardService,
    RoutingExplainService,
  ],
  exports: [RouteDeciderService, DirectAccessService, CompletionsService],
})
export class CodeSuggestionsModule {}
