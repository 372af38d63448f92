import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Scopes } from '../common/auth/auth.decorators';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  metadataSchema,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
  versionSchema,
} from '../common/http/openapi-schemas';

export const REVISION = 'switchboard-0.1.0';

/** Clients (the GitLab Language Server) read the version to decide on direct access (>= 17.2). */
@Controller('api/v4')
@ApiTags(TAGS.version)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
export class VersionController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('version')
  @Scopes('api', 'read_api', 'ai_features')
  @ApiOperation({
    summary: 'The GitLab version this instance reports (>= 17.2, so clients use direct access)',
  })
  @ApiResponse({ status: 200, description: 'Version', schema: versionSchema })
  version() {
    return { version: this.config.gitlabVersion, revision: REVISION };
  }

  @Get('metadata')
  @Scopes('api', 'read_api', 'ai_features')
  @ApiOperation({ summary: 'Instance metadata (GitLab shape)' })
  @ApiResponse({ status: 200, description: 'Metadata', schema: metadataSchema })
  metadata() {
    return {
      version: this.config.gitlabVersion,
      revision: REVISION,
      kas: { enabled: false, externalUrl: null, version: null },
      enterprise: true,
    };
  }
}
