import { Module } from '@nestjs/common';
import { AcceptanceModule } from '../acceptance/acceptance.module';
import { CodeSuggestionsModule } from '../code-suggestions/code-suggestions.module';
import { ConsoleAcceptanceService } from './console-acceptance.service';
import { ConsoleAssetsController } from './console-assets.controller';
import { ConsoleController } from './console.controller';
import { ConsoleRepository } from './console.repository';
import { ConsoleStatsService } from './console-stats.service';
import { ReachService } from './reach.service';

/** The admin console at /admin: its built assets and the admin-only JSON it needs. */
@Module({
  imports: [CodeSuggestionsModule, AcceptanceModule],
  controllers: [ConsoleAssetsController, ConsoleController],
  providers: [ConsoleRepository, ConsoleStatsService, ConsoleAcceptanceService, ReachService],
})
export class ConsoleModule {}
