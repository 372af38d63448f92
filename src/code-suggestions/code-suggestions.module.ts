import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { CompletionsController } from './completions.controller';
import { CompletionsService } from './completions.service';
import { DirectAccessController } from './direct-access.controller';
import { DirectAccessService } from './direct-access.service';
import { RouteDeciderService } from './route-decider.service';
import { UpstreamTokenService } from './upstream-token.service';

/** The IDE-facing Code Suggestions endpoints. */
@Module({
  imports: [TokensModule],
  controllers: [CompletionsController, DirectAccessController],
  providers: [CompletionsService, DirectAccessService, RouteDeciderService, UpstreamTokenService],
  exports: [RouteDeciderService, DirectAccessService, CompletionsService],
})
export class CodeSuggestionsModule {}
