import { Module } from '@nestjs/common';
import { AcceptanceModule } from '../acceptance/acceptance.module';
import { CodeSuggestionsModule } from '../code-suggestions/code-suggestions.module';
import { ChangePreviewController } from './change-preview.controller';
import { ChangePreviewRepository } from './change-preview.repository';
import { ChangePreviewService } from './change-preview.service';
import { ConsoleAcceptanceService } from './console-acceptance.service';
import { ConsoleAssetsController } from './console-assets.controller';
import { ConsoleController } from './console.controller';
import { ConsoleRepository } from './console.repository';
import { ConsoleStatsService } from './console-stats.service';
import { ReachService } from './reach.service';
import { RolloutsController } from './rollouts.controller';
import { RolloutsService } from './rollouts.service';

/** The admin console at /admin: its built assets and the admin-only JSON it needs. */
@Module({
  imports: [CodeSuggestionsModule, AcceptanceModule],
  controllers: [
    ConsoleAssetsController,
    ConsoleController,
    RolloutsController,
    ChangePreviewController,
  ],
  providers: [
    ConsoleRepository,
    ConsoleStatsService,
    ConsoleAcceptanceService,
    ReachService,
    RolloutsService,
    ChangePreviewRepository,
    ChangePreviewService,
  ],
})
export class ConsoleModule {}
