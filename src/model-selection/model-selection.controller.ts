import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { z } from 'zod';
import { AdminOnly, CurrentPrincipal } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../common/http/openapi-schemas';
import { zodToOpenApi } from '../common/http/openapi/zod-openapi';
import { ZodPipe } from '../common/validation/zod.pipe';
import { actorOf } from '../identity/users/users.service';
import {
  FeaturePipe,
  featureSettingSchema,
  presentFeatureSetting,
  updateManySchema,
  updateOneSchema,
} from './feature-settings.presenter';
import { GroupFeatureSettingsService } from './group-feature-settings.service';
import { ModelSelectionService } from './model-selection.service';
import type { SelectableFeature } from './model-selection.types';

const one = { ...zodToOpenApi(featureSettingSchema), title: 'AiFeatureSetting' };
const many = { type: 'array', items: one } as const;
const GROUP_ID = {
  name: 'id',
  description: 'Top-level group id, or URL-encoded full path',
  schema: { type: 'string' },
} as const;
const FEATURE = {
  name: 'feature',
  schema: { type: 'string', enum: ['code_completions', 'code_generations'] },
} as const;
const BAD = {
  ...ERROR_RESPONSES.badRequest,
  description:
    'e.g. `offered_model_ref is not offered by the AI gateway for code_completions; it offers: …`, ' +
    '`feature does not have a valid value (…)`, `group must be a top-level group (…)`',
};

/**
 * GitLab has no REST API for model selection: these routes are its GraphQL as REST. Group:
 * query `aiModelSelectionNamespaceSettings(namespaceId)`, mutation
 * `aiModelSelectionNamespaceUpdate(input: {groupId, features, offeredModelRef})`.
 */
@Controller('api/v4/groups/:id/ai_feature_settings')
@ApiTags(TAGS.modelSelection)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse({ ...ERROR_RESPONSES.adminOnly, description: 'A member who is not an owner' })
@ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 Group Not Found`' })
export class GroupFeatureSettingsController {
  constructor(private readonly settings: GroupFeatureSettingsService) {}

  @Get()
  @ApiOperation({ summary: "A top-level group's model per feature (owner or admin)" })
  @ApiParam(GROUP_ID)
  @ApiResponse({ status: 200, description: 'One entry per feature', schema: many })
  @ApiResponse(BAD)
  async list(@Param('id') id: string, @CurrentPrincipal() p: Principal) {
    const { group, settings } = await this.settings.list(id, p);
    return settings.map((s) => presentFeatureSetting(s, group));
  }

  @Put()
  @ApiOperation({
    summary: 'Choose one model for several features at once (owner or admin); all or nothing',
  })
  @ApiParam(GROUP_ID)
  @ApiResponse({ status: 200, description: 'The features changed', schema: many })
  @ApiResponse(BAD)
  async updateMany(
    @Param('id') id: string,
    @Body(new ZodPipe(updateManySchema)) b: z.output<typeof updateManySchema>,
    @CurrentPrincipal() p: Principal,
  ) {
    const { group, settings } = await this.settings.update(id, b.features, b.offered_model_ref, p);
    return settings.map((s) => presentFeatureSetting(s, group));
  }

  @Get(':feature')
  @ApiOperation({ summary: "A top-level group's model for one feature (owner or admin)" })
  @ApiParam(GROUP_ID)
  @ApiParam(FEATURE)
  @ApiResponse({ status: 200, description: 'The setting', schema: one })
  @ApiResponse(BAD)
  async get(
    @Param('id') id: string,
    @Param('feature', new FeaturePipe()) feature: SelectableFeature,
    @CurrentPrincipal() p: Principal,
  ) {
    const { group, settings } = await this.settings.list(id, p);
    return presentFeatureSetting(
      settings.find((s) => s.feature === feature)!,
      group,
    );
  }

  @Put(':feature')
  @ApiOperation({
    summary: 'Choose the model for one feature (owner or admin); null or "" is "GitLab default"',
  })
  @ApiParam(GROUP_ID)
  @ApiParam(FEATURE)
  @ApiResponse({ status: 200, description: 'The setting', schema: one })
  @ApiResponse(BAD)
  async update(
    @Param('id') id: string,
    @Param('feature', new FeaturePipe()) feature: SelectableFeature,
    @Body(new ZodPipe(updateOneSchema)) b: z.output<typeof updateOneSchema>,
    @CurrentPrincipal() p: Principal,
  ) {
    const { group, settings } = await this.settings.update(id, [feature], b.offered_model_ref, p);
    return presentFeatureSetting(settings[0], group);
  }
}

/**
 * The instance's model per feature (self-managed). GitLab's GraphQL: query
 * `aiModelSelectionInstanceSettings`, mutation `aiFeatureSettingUpdate(input: {features,
 * offeredModelRef, provider: VENDORED})`.
 */
@Controller('api/v4/admin/ai_feature_settings')
@AdminOnly()
@ApiTags(TAGS.modelSelection)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class InstanceFeatureSettingsController {
  constructor(private readonly selections: ModelSelectionService) {}

  @Get()
  @ApiOperation({ summary: "The instance's model per feature (admin)" })
  @ApiResponse({ status: 200, description: 'One entry per feature', schema: many })
  list() {
    return this.selections.viewAll({ kind: 'instance' }).map((s) => presentFeatureSetting(s));
  }

  @Get(':feature')
  @ApiOperation({ summary: "The instance's model for one feature (admin)" })
  @ApiParam(FEATURE)
  @ApiResponse({ status: 200, description: 'The setting', schema: one })
  @ApiResponse(BAD)
  get(@Param('feature', new FeaturePipe()) feature: SelectableFeature) {
    return presentFeatureSetting(this.selections.view({ kind: 'instance' }, feature));
  }

  @Put(':feature')
  @ApiOperation({ summary: "Choose the instance's model for one feature (admin)" })
  @ApiParam(FEATURE)
  @ApiResponse({ status: 200, description: 'The setting', schema: one })
  @ApiResponse(BAD)
  async update(
    @Param('feature', new FeaturePipe()) feature: SelectableFeature,
    @Body(new ZodPipe(updateOneSchema)) b: z.output<typeof updateOneSchema>,
    @CurrentPrincipal() p: Principal,
  ) {
    const [s] = await this.selections.update(
      { kind: 'instance' },
      [feature],
      b.offered_model_ref,
      actorOf(p),
    );
    return presentFeatureSetting(s);
  }
}

/** The admin console's model selection page: the instance setting and every group's choice. */
@Controller('api/v4/admin/console/model_selection')
@AdminOnly()
@ApiTags(TAGS.console)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class ModelSelectionOverviewController {
  constructor(
    private readonly selections: ModelSelectionService,
    private readonly groups: GroupFeatureSettingsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The instance setting and the groups with a selection (admin)' })
  @ApiResponse({
    status: 200,
    description: '`instance`: one entry per feature; `groups`: only features a group chose',
    schema: { type: 'object', properties: { instance: many, groups: many } },
  })
  async overview() {
    const groups = await this.groups.withSelections();
    return {
      instance: this.selections.viewAll({ kind: 'instance' }).map((s) => presentFeatureSetting(s)),
      groups: groups.flatMap(({ group, settings }) =>
        settings.map((s) => presentFeatureSetting(s, group)),
      ),
    };
  }
}
