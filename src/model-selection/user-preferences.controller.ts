import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../common/http/openapi-schemas';
import { zodToOpenApi } from '../common/http/openapi/zod-openapi';
import { id } from '../common/validation/params';
import { ZodPipe } from '../common/validation/zod.pipe';
import { actorOf } from '../identity/users/users.service';
import { DuoDefaultNamespaceService } from './duo-default-namespace.service';

const update = z.strictObject({
  duo_default_namespace_id: z.union([id(), z.null()]).meta({ type: 'integer', nullable: true }),
});
const preferences = z.object({
  user_id: z.number().int(),
  duo_default_namespace_id: z.number().int().nullable(),
});
const schema = { ...zodToOpenApi(preferences), title: 'UserPreferences' };

/**
 * GitLab's `GET/PUT /user/preferences`, with the field GitLab keeps in `user_preferences`
 * (`duo_default_namespace_id`; GitLab sets it on the profile's Preferences page).
 */
@Controller('api/v4/user/preferences')
@ApiTags(TAGS.modelSelection)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
export class UserPreferencesController {
  constructor(private readonly defaults: DuoDefaultNamespaceService) {}

  @Get()
  @ApiOperation({ summary: "The caller's preferences: the default GitLab Duo namespace" })
  @ApiResponse({ status: 200, description: 'The preferences', schema })
  async get(@CurrentPrincipal() p: Principal) {
    return { user_id: p.user.id, duo_default_namespace_id: await this.defaults.get(p.user.id) };
  }

  @Put()
  @ApiOperation({
    summary:
      'Set the default GitLab Duo namespace: a top-level group where the caller has a seat, or null',
  })
  @ApiResponse({ status: 200, description: 'The preferences', schema })
  @ApiResponse({
    ...ERROR_RESPONSES.badRequest,
    description:
      '`duo_default_namespace_id must be a top-level group where the user has a GitLab Duo seat`',
  })
  async update(
    @Body(new ZodPipe(update)) b: z.output<typeof update>,
    @CurrentPrincipal() p: Principal,
  ) {
    const ns = await this.defaults.set(p.user.id, b.duo_default_namespace_id, actorOf(p));
    return { user_id: p.user.id, duo_default_namespace_id: ns };
  }
}
