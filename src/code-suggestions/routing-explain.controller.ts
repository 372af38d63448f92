import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly } from '../common/auth/auth.decorators';
import { ZodPipe } from '../common/validation/zod.pipe';
import { RoutingExplainService } from './routing-explain.service';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../common/http/openapi-schemas';
import { routingExplanationSchema } from './code-suggestions.openapi';

const query = z.strictObject({
  user: z.string().min(1).max(255),
  project_path: z.string().min(1).max(1000).optional(),
});

/** The full routing decision for a user now, with every rule and flag consulted (admin). */
@Controller('api/v4/code_suggestions')
@AdminOnly()
@ApiTags(TAGS.routing)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class RoutingExplainController {
  constructor(private readonly explainer: RoutingExplainService) {}

  @Get('routing')
  @ApiOperation({
    summary:
      'Explain the routing decision for a user now: completion, generation, direct access (admin)',
  })
  @ApiResponse({
    status: 200,
    description: 'The decisions, with the rules and flags consulted',
    schema: routingExplanationSchema,
  })
  @ApiResponse({
    ...ERROR_RESPONSES.badRequest,
    description: "Validation failed, e.g. `user 'ada' does not exist`",
  })
  explain(@Query(new ZodPipe(query)) q: z.output<typeof query>) {
    return this.explainer.explain(q.user, q.project_path);
  }
}
