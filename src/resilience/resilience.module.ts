import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ObservabilityModule } from '../observability/observability.module';
import { BREAKER_SETTINGS, BreakerSettings, BreakersService } from './breakers.service';
import { ResilientGatewayService } from './resilient-gateway.service';
import { RolloutGuardService } from './rollout-guard.service';

/**
 * Circuit breakers, the retrying gateway attempt and the rollout guard. The breakers are
 * configured here from the validated config (their states reach the metrics through
 * CodeSuggestionsModule, which knows the catalogue).
 */
@Module({
  imports: [ObservabilityModule],
  providers: [
    {
      provide: BREAKER_SETTINGS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): BreakerSettings => ({
        threshold: config.failover.breakerThreshold,
        halfOpenAfterMs: config.failover.halfOpenAfterMs,
      }),
    },
    BreakersService,
    ResilientGatewayService,
    RolloutGuardService,
  ],
  exports: [BreakersService, ResilientGatewayService, RolloutGuardService],
})
export class ResilienceModule {}
