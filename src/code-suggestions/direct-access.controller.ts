import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { z } from 'zod';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CurrentPrincipal, Scopes } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import { ZodPipe } from '../common/validation/zod.pipe';
import { realmOf } from '../gateway/identity-headers';
import { ProjectsService } from '../identity/projects/projects.service';
import { SettingsService } from '../identity/settings/settings.service';
import { DirectAccessService } from './direct-access.service';

const projectBody = z.object({
  project_path: z.string().max(1000).optional(),
  projectPath: z.string().max(1000).optional(),
});
const enabledBody = z.object({ project_path: z.string().min(1).max(1000) });

@Controller('api/v4/code_suggestions')
@Scopes('api', 'ai_features')
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
  directAccess(@CurrentPrincipal() p: Principal, @Body(new ZodPipe(projectBody)) _b: z.output<typeof projectBody>) {
    return this.direct.issue(p);
  }

  /** 200 when Code Suggestions may be used in the project; 404 unknown/invisible; 403 Duo disabled. */
  @Post('enabled')
  @HttpCode(200)
  async enabled(@CurrentPrincipal() p: Principal, @Body(new ZodPipe(enabledBody)) b: z.output<typeof enabledBody>): Promise<void> {
    await this.direct.gate(p);
    const project = await this.projects.findVisible(b.project_path, p.user);
    if (!project) throw DomainError.notFound('Project');
    if (!project.duoFeaturesEnabled) throw DomainError.forbidden();
  }

  @Post('connection_details')
  @HttpCode(201)
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
