import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { Principal } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import { rootLogger } from '../common/logging/logger';
import { RateLimiter } from '../common/rate-limit/rate-limiter';
import { parseOrThrow } from '../common/validation/zod.pipe';
import { FlagsService } from '../flags/flags.service';
import { FlagSubjectsService } from '../flags/flag-subjects.service';
import { GatewayClient } from '../gateway/gateway.client';
import { GATEWAY_BASE_URL, GatewayBaseUrl, UpstreamResponse } from '../gateway/gateway.types';
import { identityHeaders, realmOf } from '../gateway/identity-headers';
import { SeatsService } from '../identity/seats/seats.service';
import { SettingsService } from '../identity/settings/settings.service';
import { resolveLanguage } from '../routing/languages.constants';
import { postProcessCompletion } from '../routing/post-process';
import { buildUpstreamCall } from '../routing/request-builders';
import type { RoutingDecision } from '../routing/routing.types';
import { CompletionInputBody, completionInputSchema, MAX_BODY_CHARS } from './completion-input.schema';
import { RouteDeciderService } from './route-decider.service';
import { enabledFlagNames, forwardedClientHeaders } from './upstream-headers';
import { UpstreamTokenService } from './upstream-token.service';

export interface CompletionRequestMeta {
  headers: Record<string, string | string[] | undefined>;
  requestId: string;
  bodyChars: number;
  signal: AbortSignal;
}

/**
 * POST /api/v4/code_suggestions/completions, in the contract's order: kill switch 404, seat 401,
 * validation 400, rate limit 429, size 413, then the routed, proxied gateway call.
 */
@Injectable()
export class CompletionsService {
  private readonly limiter: RateLimiter;

  constructor(
    private readonly flags: FlagsService,
    private readonly subjects: FlagSubjectsService,
    private readonly seats: SeatsService,
    private readonly settings: SettingsService,
    private readonly router: RouteDeciderService,
    private readonly gateway: GatewayClient,
    private readonly tokens: UpstreamTokenService,
    @Inject(GATEWAY_BASE_URL) private readonly baseUrl: GatewayBaseUrl,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.limiter = new RateLimiter(config.rateLimits.completionsPerMinute, 60_000);
  }

  async complete(p: Principal, rawBody: unknown, meta: CompletionRequestMeta): Promise<UpstreamResponse> {
    const seat = await this.seats.seatContext(p.user.id);
    const subject = await this.subjects.forUser(p.user.id, undefined, seat);
    if (!this.flags.isEnabled('ai_duo_code_suggestions_switch', subject)) throw DomainError.notFound('');
    if (!seat.hasSeat) throw DomainError.unauthorized({ 'X-GitLab-Error-Origin': 'monolith' });
    const input: CompletionInputBody = parseOrThrow(completionInputSchema, rawBody);
    const retryAfter = this.limiter.hit(`u${p.user.id}`);
    if (retryAfter !== undefined) {
      throw new DomainError('rate_limited', 'completions rate limit', { headers: { 'Retry-After': String(retryAfter) } });
    }
    if (meta.bodyChars > MAX_BODY_CHARS) throw new DomainError('payload_too_large', 'body too large');

    const settings = this.settings.current();
    const decision = this.router.decide(
      {
        intent: input.intent,
        userInstruction: input.user_instruction,
        generationType: input.generation_type,
        contentAboveCursor: input.current_file.content_above_cursor,
        fileName: input.current_file.file_name,
        languageIdentifier: input.current_file.language_identifier,
        supportsSseStreaming: meta.headers['x-supports-sse-streaming'] === 'true',
      },
      subject,
      seat,
      settings,
    );
    const enabledFlags = enabledFlagNames(decision.decidingFlags);
    const token = await this.tokens.tokenFor({
      globalUserId: p.user.globalUserId,
      instanceId: settings.instanceId,
      realm: realmOf(settings),
      claims: decisionClaims(decision),
    });
    const headers: Record<string, string> = {
      ...forwardedClientHeaders(meta.headers),
      ...identityHeaders({ user: p.user, settings, seat, gitlabVersion: this.config.gitlabVersion, enabledFlags }),
      Authorization: `Bearer ${token}`,
      'X-Request-ID': meta.requestId,
      'X-Gitlab-Rails-Send-Start': (Date.now() / 1000).toFixed(3),
    };
    this.logInput(p, input, decision, meta.requestId, subject);

    const call = buildUpstreamCall(input, decision);
    const res = await this.gateway.send(this.baseUrl(), {
      path: call.path,
      body: call.body,
      headers,
      stream: call.stream,
      signal: meta.signal,
      timeoutMs: this.config.gateway.timeoutMs,
    });
    if (res.kind === 'json' && res.status >= 200 && res.status < 300 && decision.model) {
      const language = resolveLanguage(input.current_file.file_name, input.current_file.language_identifier);
      return { ...res, body: postProcessCompletion(res.body, decision.model, language) };
    }
    return res;
  }

  private logInput(p: Principal, input: CompletionInputBody, d: RoutingDecision, requestId: string, subject: Parameters<FlagsService['isEnabled']>[1]) {
    const expanded = this.flags.isEnabled('expanded_ai_logging', subject);
    rootLogger.info(
      {
        reqId: requestId,
        user_id: p.user.id,
        model_provider: d.model?.provider ?? 'gateway',
        model_name: d.model?.name ?? 'gateway',
        model_source: d.modelSource,
        api: d.api,
        endpoint: d.endpointPath,
        task: d.task,
        generation_type: d.generationType,
        stream: input.stream === true,
        deciding_flags: d.decidingFlags,
        direct_access_allowed: d.directAccess.allowed,
        ...(expanded
          ? {
              file_name: input.current_file.file_name,
              content_above_cursor: input.current_file.content_above_cursor,
              content_below_cursor: input.current_file.content_below_cursor,
            }
          : {}),
      },
      'code completion input:',
    );
  }
}

export function decisionClaims(d: RoutingDecision): Record<string, unknown> {
  return {
    model_provider: d.model?.provider ?? null,
    model_name: d.model?.name ?? null,
    feature_flags: enabledFlagNames(d.decidingFlags),
  };
}
