import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly, CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import { hostName } from '../../common/validation/params';
import { grapeBoolean } from '../../common/validation/grape-boolean';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { actorOf } from '../users/users.service';
import { InstanceSettingsRecord } from './settings.repository';
import { realmOf, storedRealm, WIRE_REALMS } from './realm';
import { SettingsService } from './settings.service';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  settingsSchema,
  TAGS,
} from '../../common/http/openapi-schemas';

const update = z.strictObject({
  disabled_direct_code_suggestions: grapeBoolean,
  gitlab_realm: z.enum(WIRE_REALMS).optional(),
  ai_gateway_url: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
    .nullable()
    .optional(),
  host_name: hostName.optional(),
  instance_id: z.unknown().optional(),
});

export function presentSettings(s: InstanceSettingsRecord) {
  return {
    instance_id: s.instanceId,
    gitlab_realm: realmOf(s),
    host_name: s.hostName,
    disabled_direct_code_suggestions: s.disabledDirectCodeSuggestions,
    ai_gateway_url: s.aiGatewayUrl,
    updated_at: s.updatedAt.toISOString(),
  };
}

@Controller('api/v4/application/settings')
@AdminOnly()
@ApiTags(TAGS.applicationSettings)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @ApiOperation({ summary: 'The instance settings (admin)' })
  @ApiResponse({ status: 200, description: 'The settings', schema: settingsSchema })
  get() {
    return presentSettings(this.settings.current());
  }

  @Put()
  @ApiOperation({ summary: 'Change instance settings (admin); instance_id is read-only' })
  @ApiResponse({ status: 200, description: 'The settings', schema: settingsSchema })
  @ApiResponse({
    ...ERROR_RESPONSES.badRequest,
    description: 'Validation failed, e.g. `instance_id is read-only`',
  })
  async update(
    @Body(new ZodPipe(update)) b: z.output<typeof update>,
    @CurrentPrincipal() p: Principal,
  ) {
    if (b.instance_id !== undefined) throw DomainError.invalid('instance_id', 'is read-only');
    const s = await this.settings.update(
      {
        disabledDirectCodeSuggestions: b.disabled_direct_code_suggestions,
        gitlabRealm: b.gitlab_realm === undefined ? undefined : storedRealm(b.gitlab_realm),
        aiGatewayUrl:
          b.ai_gateway_url === undefined
            ? undefined
            : (b.ai_gateway_url?.replace(/\/+$/, '') ?? null),
        hostName: b.host_name,
      },
      actorOf(p),
    );
    return presentSettings(s);
  }
}
