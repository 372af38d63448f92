import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuditRepository } from '../audit/audit.repository';
import { CHANGE_BUS, type ChangeBus } from '../common/fleet/change-bus';
import { FeatureAdminService } from './admin/feature-admin.service';
import { FeaturesController } from './admin/features.controller';
import { FlagSubjectsService } from './flag-subjects.service';
import { FlagsService } from './flags.service';
import { EmbeddedFlagRepository } from './stores/embedded-flag.repository';
import { EmbeddedFlagStore } from './stores/embedded-flag.store';
import { FLAG_STORE, FlagStore } from './stores/flag-store';

/** Flags: definitions, the store (embedded or Unleash), evaluation, Features API. */
@Global()
@Module({
  controllers: [FeaturesController],
  providers: [
    EmbeddedFlagRepository,
    {
      provide: FLAG_STORE,
      inject: [APP_CONFIG, EmbeddedFlagRepository, AuditRepository, CHANGE_BUS],
      // The Unleash store (the whole unleash-client with its HTTP repository and metrics) is
      // loaded only when UNLEASH_URL is set: the embedded store needs just its evaluation engine.
      useFactory: async (
        config: AppConfig,
        repo: EmbeddedFlagRepository,
        audit: AuditRepository,
        bus: ChangeBus,
      ): Promise<FlagStore> => {
        if (!config.unleash) return new EmbeddedFlagStore(repo, audit, config.flags, bus);
        const { UnleashFlagStore } = await import('./stores/unleash-flag.store');
        return new UnleashFlagStore(config.unleash, audit, {
          staleAfterMs: config.flags.staleAfterMs,
          dataDir: config.database.dataDir,
        });
      },
    },
    FlagsService,
    FlagSubjectsService,
    FeatureAdminService,
  ],
  exports: [FlagsService, FlagSubjectsService, FeatureAdminService],
})
export class FlagsModule {}
