import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { AuthGuard } from './common/auth/auth.guard';
import { DomainErrorFilter } from './common/errors/domain-error.filter';
import type { DatabaseConnection } from './database/database-connection';
import { DatabaseModule } from './database/database.module';
import { AuditModule } from './audit/audit.module';
import { HealthModule } from './health/health.module';
import { IdentityModule } from './identity/identity.module';
import { ProvisioningModule } from './provisioning/provisioning.module';
import { FlagsModule } from './flags/flags.module';
import { GatewayModule } from './gateway/gateway.module';
import { CodeSuggestionsModule } from './code-suggestions/code-suggestions.module';
import { SharedStateModule } from './shared-state/shared-state.module';
import { ConsoleModule } from './console/console.module';
import { ModelSelectionModule } from './model-selection/model-selection.module';
import { AcceptanceModule } from './acceptance/acceptance.module';
import { RolloutGuardAcceptanceModule } from './resilience/rollout-guard-acceptance.module';

@Module({})
export class AppModule {
  static register(config: AppConfig, connection: DatabaseConnection): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule.forConnection(connection),
        SharedStateModule.forRoot(config),
        AuditModule,
        HealthModule,
        IdentityModule,
        FlagsModule,
        GatewayModule,
        ModelSelectionModule,
        CodeSuggestionsModule,
        AcceptanceModule,
        RolloutGuardAcceptanceModule,
        ProvisioningModule,
        ConsoleModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
      ],
    };
  }
}
