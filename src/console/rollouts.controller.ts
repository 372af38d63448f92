import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly, CurrentPrincipal } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../common/http/openapi-schemas';
import { ZodPipe } from '../common/validation/zod.pipe';
import { actorOf } from '../identity/users/users.service';
import { STAGE_IDS } from './rollout-stages';
import { RolloutsService } from './rollouts.service';

const stageRequest = z.strictObject({
  stage: z.enum(STAGE_IDS),
  /** Usernames (comma-separated), a project path or a percentage, as the stage asks. */
  value: z
    .union([z.string().max(5000), z.number()])
    .transform(String)
    .optional(),
});

/** The console's staged rollouts: where each rollout flag stands, and moving it between stages. */
@Controller('api/v4/admin/console/rollouts')
@AdminOnly()
@ApiTags(TAGS.console)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class RolloutsController {
  constructor(private readonly rollouts: RolloutsService) {}

  @Get()
  @ApiOperation({
    summary:
      'The stages, and each rollout flag at its stage with its gates and what needs attention (rolled back, unhealthy, in progress), most urgent first',
  })
  @ApiResponse({ status: 200, description: '`{ stages, health_minutes, rollouts }`' })
  list() {
    return this.rollouts.list();
  }

  @Get(':flag/stage')
  @ApiOperation({
    summary:
      'What going to a stage would do: the gates it sets, removes and keeps (nothing is written; read_api is enough)',
  })
  @ApiResponse({
    status: 200,
    description:
      '`{ flag, from, to, set, removed, kept, effect }`: effect is whom the stage reaches, computed as for the change preview',
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: 'Not a rollout flag' })
  plan(
    @Param('flag') flag: string,
    @Query(new ZodPipe(stageRequest)) q: z.output<typeof stageRequest>,
  ) {
    return this.rollouts.plan(flag, q);
  }

  @Post(':flag/stage')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Go to a stage: the flag's gates become the stage's gates (every other gate removed), in one audited change",
  })
  @ApiResponse({
    status: 200,
    description: 'What was set and removed, and the stage the flag is at now',
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse(ERROR_RESPONSES.insufficientScope)
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: 'Not a rollout flag' })
  apply(
    @Param('flag') flag: string,
    @Body(new ZodPipe(stageRequest)) body: z.output<typeof stageRequest>,
    @CurrentPrincipal() p: Principal,
  ) {
    return this.rollouts.apply(flag, body, actorOf(p));
  }
}
