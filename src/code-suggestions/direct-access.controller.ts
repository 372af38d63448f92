import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal, Scopes } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import { ZodPipe } from '../common/validation/zod.pipe';
import { STALE_HEADER } from './stale-sources';
import { DirectAccessService } from './direct-access.service';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  forbiddenErrorSchema,
  insufficientScopeErrorSchema,
  KILL_SWITCH_RESPONSE,
  NO_SEAT_RESPONSE,
  notFoundErrorSchema,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../common/http/openapi-schemas';
import {
  connectionDetailsSchema,
  DIRECT_ACCESS_FORBIDDEN_RESPONSE,
  directAccessAnswerSchema,
} from './code-suggestions.openapi';

// The IDE sends the project; the answer does not depend on it, but a wrong type is still a 400.
const projectBody = z.object({
  project_path: z.string().max(1000).optional(),
  projectPath: z.string().max(1000).optional(),
});
const enabledBody = z.object({ project_path: z.string().min(1).max(1000) });

@Controller('api/v4/code_suggestions')
@Scopes('api', 'ai_features')
@ApiTags(TAGS.codeSuggestions)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(NO_SEAT_RESPONSE)
@ApiResponse(KILL_SWITCH_RESPONSE)
@ApiResponse(ERROR_RESPONSES.insufficientScope)
export class DirectAccessController {
  constructor(private readonly direct: DirectAccessService) {}

  /** Model details, a short-lived token, base URL and headers: the IDE then calls the gateway itself. */
  @Post('direct_access')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Direct access: a short-lived AI Gateway token, base URL, headers and model details',
    description:
      'The client then calls `${base_url}/v2/completions` itself with `headers` and `Authorization: Bearer <token>`, spreading ' +
      '`model_details` into its body, and refreshes when now > expires_at - 40 s. Token lifetime: ' +
      'DIRECT_ACCESS_TOKEN_LIFETIME_SEC (default 110 s), so a routing change reaches the client within it. ' +
      'Rate limit (default 50/min/user) 429.',
  })
  @ApiBody({ required: false, schema: { type: 'object' } }) // derived from projectBody
  @ApiResponse({
    status: 201,
    description: 'Token and connection details',
    schema: directAccessAnswerSchema,
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse(DIRECT_ACCESS_FORBIDDEN_RESPONSE)
  @ApiResponse({
    ...ERROR_RESPONSES.rateLimited,
    description: 'Too many direct access requests from this user (default limit: 50 a minute)',
  })
  @ApiResponse({
    ...ERROR_RESPONSES.serviceUnavailable,
    description: 'The token could not be created (no signing key, token source down)',
  })
  async directAccess(
    @CurrentPrincipal() p: Principal,
    @Body(new ZodPipe(projectBody)) _b: z.output<typeof projectBody>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { answer, stale } = await this.direct.issue(p);
    if (stale.length > 0) void reply.header(STALE_HEADER, stale.join(','));
    return answer;
  }

  /** 200 when Code Suggestions may be used in the project; 404 unknown/invisible; 403 Duo disabled. */
  @Post('enabled')
  @HttpCode(200)
  @ApiOperation({ summary: 'Whether Code Suggestions may be used in a project' })
  @ApiResponse({
    status: 200,
    description: 'Code Suggestions may be used in the project (empty body)',
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse({
    status: 403,
    description:
      'Duo features are disabled for the project (`{"message":"403 Forbidden"}`), or the token lacks the scope',
    schema: { oneOf: [forbiddenErrorSchema, insufficientScopeErrorSchema] },
  })
  @ApiResponse({
    status: 404,
    description:
      'Unknown project, or not visible to the user (`404 Project Not Found`); or the kill switch is off',
    schema: notFoundErrorSchema,
  })
  async enabled(
    @CurrentPrincipal() p: Principal,
    @Body(new ZodPipe(enabledBody)) b: z.output<typeof enabledBody>,
  ): Promise<void> {
    await this.direct.assertEnabledIn(p, b.project_path);
  }

  @Post('connection_details')
  @HttpCode(201)
  @ApiOperation({ summary: 'Identity and enablement details of this instance for the user' })
  @ApiResponse({ status: 201, description: 'Connection details', schema: connectionDetailsSchema })
  connectionDetails(@CurrentPrincipal() p: Principal) {
    return this.direct.connectionDetails(p);
  }
}
