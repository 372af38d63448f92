import { Controller, Get, Inject } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Scopes } from '../common/auth/auth.decorators';

export const REVISION = 'switchboard-0.1.0';

/** Clients (the GitLab Language Server) read the version to decide on direct access (>= 17.2). */
@Controller('api/v4')
export class VersionController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('version')
  @Scopes('api', 'read_api', 'ai_features')
  version() {
    return { version: this.config.gitlabVersion, revision: REVISION };
  }

  @Get('metadata')
  @Scopes('api', 'read_api', 'ai_features')
  metadata() {
    return {
      version: this.config.gitlabVersion,
      revision: REVISION,
      kas: { enabled: false, externalUrl: null, version: null },
      enterprise: true,
    };
  }
}
