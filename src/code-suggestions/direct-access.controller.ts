import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
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
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CurrentPrincipal, Scopes } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import { ZodPipe } from '../common/validation/zod.pipe';
import { realmOf } from '../gateway/identity-headers';
import { ProjectsService } from '../identity/projects/projects.service';
import { SettingsService } from '../identity/settings/settings.service';
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
  constructor(
    private readonly direct: DirectAccessService,
    private readonly projects: ProjectsService,
    private readonly settings: SettingsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Model details, a short-lived token, base URL and headers: the IDE then calls the gateway itself. */
  @Post('direct_access')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Direct access: a short-lived AI Gateway token, base URL, headers and model details',
    description:
      'The client then calls `${base_url}/v2/completions` itself with `headers` and `Authorization: Bearer <token>`, spreading ' +
      '`model_details` into its body, and refreshes when now > expires_at - 40 s. Token lifetime: 1 hour. ' +
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
    await this.direct.gate(p);
    const project = await this.projects.findVisible(b.project_path, p.user);
    if (!project) throw DomainError.notFound('Project');
    if (!project.duoFeaturesEnabled) throw DomainError.forbidden();
  }

  @Post('connection_details')
  @HttpCode(201)
  @ApiOperation({ summary: 'Identity and enablement details of this instance for the user' })
  @ApiResponse({ status: 201, description: 'Connection details', schema: connectionDetailsSchema })
  async connectionDetails(@CurrentPrincipal() p: Principal) {
    const { seat } = await this.direct.gate(p);
    const s = this.settings.current();
    const addOns = [...new Set(seat.groups.map((g) => g.addOn))];
    return {
      instance_id: s.instanceId,
      instance_version: this.config.gitlabVersion,
      realm: realmOf(s),
      global_user_id: p.user.globalUserId,
      host_name: s.hostName,
      feature_enablement_type: addOns.includes('duo_enterprise') ? 'duo_enterprise' : 'duo_pro',
      saas_duo_pro_namespace_ids: seat.groups.map((g) => g.id),
    };
  }
}
