import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConsumes,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly, CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { actorOf } from '../../identity/users/users.service';
import { FlagsService } from '../flags.service';
import { FeatureAdminService } from './feature-admin.service';
import { parseSetFeature, removeFeatureSchema, setFeatureSchema } from './feature-params';
import { ApiZodBody } from '../../common/http/openapi/zod-openapi';
import { presentFeature } from './feature.presenter';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  featureDefinitionSchema,
  featureEvaluationSchema,
  featureSchema,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../../common/http/openapi-schemas';

const evaluateQuery = z.strictObject({
  user: z.string().min(1).max(255),
  project: z.string().min(1).max(1000).optional(),
});

/** GitLab's Features API (admin tokens), so python-gitlab's `gl.features` works unmodified. */
@Controller('api/v4/features')
@AdminOnly()
@ApiTags(TAGS.features)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class FeaturesController {
  constructor(
    private readonly flags: FlagsService,
    private readonly admin: FeatureAdminService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List the feature flags with their state and gates' })
  @ApiResponse({
    status: 200,
    description: 'The flags',
    schema: { type: 'array', items: featureSchema },
  })
  list() {
    return this.flags.list().map((s) => presentFeature(s, this.flags.definitions.get(s.name)));
  }

  @Get('definitions')
  @ApiOperation({ summary: 'List the flag definitions (the YAML files)' })
  @ApiResponse({
    status: 200,
    description: 'The definitions',
    schema: { type: 'array', items: featureDefinitionSchema },
  })
  definitions() {
    return [...this.flags.definitions.values()].map(
      (d) => presentFeature(this.flags.get(d.name), d).definition,
    );
  }

  @Get(':name')
  @ApiOperation({ summary: 'One feature flag' })
  @ApiParam({
    name: 'name',
    description: 'Flag name (defined in config/feature_flags/<type>/<name>.yml)',
    example: 'code_completion_v4_endpoint',
  })
  @ApiResponse({ status: 200, description: 'The flag', schema: featureSchema })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: 'No such flag definition' })
  get(@Param('name') name: string) {
    return presentFeature(this.flags.get(name), this.flags.definitions.get(name));
  }

  @Post(':name')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Set a gate of a feature flag',
    description:
      '`value` `true`/`false` turns the flag on or off for everyone, or — with `user`, `group`, `namespace`, `project` or ' +
      '`feature_group` (comma-separated; a target that is given must name someone) — for those actors; an integer ' +
      'is a percentage of time, as in GitLab (of actors, sticky per actor, with `key: percentage_of_actors`). ' +
      'Parameters may also come in the query string (GitLab merges both; the same field with two different values ' +
      'is a 400). `value=true` for everyone clears the other gates (Flipper). `force=true` sets a flag that has no ' +
      'YAML definition (audited). In Unleash mode strategies made in Unleash are kept; a write that would switch ' +
      'them back on is a 409 naming them, unless `discard_unleash_strategies=true` (which removes them). ' +
      'Returns the feature.',
  })
  @ApiParam({
    name: 'name',
    description: 'Flag name (defined in config/feature_flags/<type>/<name>.yml)',
    example: 'code_completion_v4_endpoint',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiZodBody(setFeatureSchema)
  @ApiResponse({ status: 201, description: 'The feature after the change', schema: featureSchema })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse({
    ...ERROR_RESPONSES.conflict,
    description: 'Would switch strategies made in Unleash back on',
  })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: 'No such flag definition' })
  @ApiResponse({
    ...ERROR_RESPONSES.serviceUnavailable,
    description: 'The flag store (Unleash) is unavailable; nothing was changed',
  })
  async set(
    @Param('name') name: string,
    @Body() body: unknown,
    @Query() query: unknown,
    @CurrentPrincipal() p: Principal,
  ) {
    const state = await this.admin.set(name, parseSetFeature(body, query), actorOf(p));
    return presentFeature(state, this.flags.definitions.get(name));
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove all gates of a feature flag (back to its default)',
    description:
      'In Unleash mode a flag holding strategies made in Unleash is not deleted (409 naming them) ' +
      'unless `discard_unleash_strategies=true` is given.',
  })
  @ApiQuery({
    name: 'discard_unleash_strategies',
    required: false,
    description: 'Unleash mode: also remove strategies made in Unleash (Grape Boolean)',
    schema: { type: 'boolean' },
  })
  @ApiResponse({
    ...ERROR_RESPONSES.conflict,
    description: 'Would remove strategies made in Unleash',
  })
  @ApiParam({
    name: 'name',
    description: 'Flag name (defined in config/feature_flags/<type>/<name>.yml)',
    example: 'code_completion_v4_endpoint',
  })
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: 'No such flag definition' })
  @ApiResponse({
    ...ERROR_RESPONSES.serviceUnavailable,
    description: 'The flag store (Unleash) is unavailable; nothing was changed',
  })
  async remove(
    @Param('name') name: string,
    @Query(new ZodPipe(removeFeatureSchema)) q: z.output<typeof removeFeatureSchema>,
    @CurrentPrincipal() p: Principal,
  ): Promise<void> {
    await this.flags.remove(name, actorOf(p), {
      discardUnleashStrategies: q.discard_unleash_strategies === true,
    });
  }

  @Get(':name/evaluate')
  @ApiOperation({ summary: 'Evaluate a flag for a user (and project), and say which gate decided' })
  @ApiParam({
    name: 'name',
    description: 'Flag name (defined in config/feature_flags/<type>/<name>.yml)',
    example: 'code_completion_v4_endpoint',
  })
  @ApiQuery({
    name: 'user',
    required: true,
    description: 'Username',
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  })
  @ApiQuery({
    name: 'project',
    required: false,
    description: 'Project full path',
    schema: { type: 'string', minLength: 1, maxLength: 1000 },
  })
  @ApiResponse({ status: 200, description: 'The evaluation', schema: featureEvaluationSchema })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: 'No such flag definition' })
  evaluate(
    @Param('name') name: string,
    @Query(new ZodPipe(evaluateQuery)) q: z.output<typeof evaluateQuery>,
  ) {
    return this.admin.evaluate(name, q.user, q.project);
  }
}
