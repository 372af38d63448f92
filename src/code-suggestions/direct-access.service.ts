import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { Principal } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import { rootLogger } from '../common/logging/logger';
import { RATE_LIMITERS, RateLimiter, type RateLimiters } from '../common/rate-limit/rate-limiter';
import { FlagsService } from '../flags/flags.service';
import { FlagSubjectsService } from '../flags/flag-subjects.service';
import { GATEWAY_BASE_URL, GatewayBaseUrl } from '../gateway/gateway.types';
import { ProjectsService } from '../identity/projects/projects.service';
import { SeatContext, SeatsService } from '../identity/seats/seats.service';
import { SettingsService } from '../identity/settings/settings.service';
import { MetricsService } from '../observability/metrics.service';
import { decisionClaims, enabledFlagNames } from './decision-claims';
import { featureEnablementType, identityHeaders, realmOf } from './identity-headers';
import { SelectionResolverService } from '../model-selection/selection-resolver';
import type { ModelSelectionInput } from '../routing/routing.types';
import { RouteDeciderService } from './route-decider.service';
import { ServedDecisions } from './served-decisions';
import { staleSources } from './stale-sources';
import { UpstreamTokenService } from './upstream-token.service';

export const DIRECT_DISABLED = 'Direct connections are disabled';

@Injectable()
export class DirectAccessService {
  private readonly limiter: RateLimiter;

  constructor(
    private readonly flags: FlagsService,
    private readonly subjects: FlagSubjectsService,
    private readonly seats: SeatsService,
    private readonly settings: SettingsService,
    private readonly router: RouteDeciderService,
    private readonly projects: ProjectsService,
    private readonly tokens: UpstreamTokenService,
    @Inject(GATEWAY_BASE_URL) private readonly baseUrl: GatewayBaseUrl,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RATE_LIMITERS) limiters: RateLimiters,
    private readonly selections: SelectionResolverService,
    private readonly served: ServedDecisions,
  ) {
    this.limiter = limiters.create(
      'direct_access',
      config.rateLimits.directAccessPerMinute,
      60_000,
    );
  }

  /** Kill switch 404 and seat 401 shared by every code_suggestions endpoint. */
  async gate(p: Principal): Promise<{
    seat: SeatContext;
    subject: Awaited<ReturnType<FlagSubjectsService['forUser']>>;
    selection: ModelSelectionInput | undefined;
  }> {
    const seat = await this.seats.seatContext(p.user.id);
    const subject = await this.subjects.forUser(p.user.id, undefined, seat);
    if (!this.flags.isEnabled('ai_duo_code_suggestions_switch', subject))
      throw DomainError.notFound('');
    if (!seat.hasSeat) throw DomainError.unauthorized({ 'X-GitLab-Error-Origin': 'monolith' });
    const realm = realmOf(this.settings.current());
    const selection = await this.selections.forUser(p.user.id, seat.groups, realm);
    return { seat, subject, selection };
  }

  async issue(p: Principal) {
    const { seat, subject, selection } = await this.gate(p);
    const settings = this.settings.current();
    const decision = this.router.decideDirectAccess(subject, seat, settings, selection);
    if (!decision.directAccess.allowed) {
      rootLogger.info(
        { user_id: p.user.id, reason: decision.directAccess.reason },
        'direct access refused',
      );
      throw DomainError.forbidden(DIRECT_DISABLED);
    }
    const retryAfter = await this.limiter.hit(`u${p.user.id}`);
    if (retryAfter !== undefined) {
      this.metrics.rateLimit('direct_access');
      throw new DomainError('rate_limited', 'direct access rate limit', {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    const request = {
      globalUserId: p.user.globalUserId,
      realm: realmOf(settings),
      instanceId: settings.instanceId,
      scopes: ['complete_code'],
      extra: decisionClaims(decision),
    };
    const token = await this.tokens.forClient(request);
    // The decision in the token's claims: what serves this IDE's direct calls until it refreshes.
    this.served.served({ userId: p.user.id, path: 'direct', decision, subject });
    const answer = {
      base_url: this.baseUrl(),
      token: token.token,
      expires_at: token.expiresAt,
      headers: identityHeaders(
        { user: p.user, settings, seat, gitlabVersion: this.config.gitlabVersion },
        enabledFlagNames(decision.decidingFlags).join(','),
      ),
      // Always the v2 names: an IDE spreads them into /v2/completions, where a body without
      // model_provider is not a code completion the gateway serves.
      model_details: decision.model
        ? { model_provider: decision.model.provider, model_name: decision.model.name }
        : {},
      ...(decision.modelMetadata?.identifier ? { model_metadata: decision.modelMetadata } : {}),
    };
    return { answer, stale: staleSources(this.flags, p, seat) };
  }

  /** POST enabled: may Code Suggestions be used in this project (404 unknown, 403 Duo off). */
  async assertEnabledIn(p: Principal, projectPath: string): Promise<void> {
    await this.gate(p);
    const project = await this.projects.findVisible(projectPath, p.user);
    if (!project) throw DomainError.notFound('Project');
    if (!project.duoFeaturesEnabled) throw DomainError.forbidden();
  }

  /** POST connection_details: this instance's identity and the user's enablement. */
  async connectionDetails(p: Principal) {
    const { seat } = await this.gate(p);
    const s = this.settings.current();
    return {
      instance_id: s.instanceId,
      instance_version: this.config.gitlabVersion,
      realm: realmOf(s),
      global_user_id: p.user.globalUserId,
      host_name: s.hostName,
      feature_enablement_type: featureEnablementType(seat),
      saas_duo_pro_namespace_ids: seat.groups.map((g) => g.id),
    };
  }
}
