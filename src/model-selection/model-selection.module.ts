import { Module } from '@nestjs/common';
import { ObservabilityModule } from '../observability/observability.module';
import { AIGW_PINNED_COMMIT, modelDefinitions } from '../common/aigw/aigw-contract';
import { DuoDefaultNamespaceService } from './duo-default-namespace.service';
import { GroupFeatureSettingsService } from './group-feature-settings.service';
import {
  GroupFeatureSettingsController,
  InstanceFeatureSettingsController,
  ModelSelectionOverviewController,
} from './model-selection.controller';
import { ModelSelectionRepository } from './model-selection.repository';
import { ModelSelectionService } from './model-selection.service';
import { LiveOfferedModels, OFFERED_MODELS } from './offered-models';
import { SelectionResolverService } from './selection-resolver';
import { UserPreferencesController } from './user-preferences.controller';

/**
 * Model selection per top-level group and per instance, and the user's default Duo namespace.
 * Routing reads the selections through ModelSelectionService (exported); the offer starts as the
 * pinned gateway commit's `/v1/models/definitions` and is replaced by what the gateway answers.
 */
@Module({
  imports: [ObservabilityModule],
  controllers: [
    GroupFeatureSettingsController,
    InstanceFeatureSettingsController,
    ModelSelectionOverviewController,
    UserPreferencesController,
  ],
  providers: [
    ModelSelectionRepository,
    ModelSelectionService,
    GroupFeatureSettingsService,
    DuoDefaultNamespaceService,
    SelectionResolverService,
    {
      provide: OFFERED_MODELS,
      useFactory: () =>
        new LiveOfferedModels(
          modelDefinitions(),
          `the pinned AI gateway commit ${AIGW_PINNED_COMMIT.slice(0, 9)}`,
        ),
    },
  ],
  exports: [ModelSelectionService, SelectionResolverService, OFFERED_MODELS],
})
export class ModelSelectionModule {}
