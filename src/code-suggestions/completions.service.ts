import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { Principal } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import { RATE_LIMITERS, RateLimiter, type RateLimiters } from '../common/rate-limit/rate-limiter';
import { parseOrThrow } from '../common/validation/zod.pipe';
import { FlagsService } from '../flags/flags.service';
import { GATEWAY_BASE_URL, GatewayBaseUrl, UpstreamResponse } from '../gateway/gateway.types';
import { identityHeaders, realmOf } from '../gateway/identity-headers';
import { SettingsService } from '../identity/settings/settings.service';
import { MetricsService } from '../observability/metrics.service';
import type { CompletionLabels } from '../observability/request-metrics';
import {
  failureToResponse,
  ResilientGatewayService,
} from '../resilience/resilient-gateway.service';
import { RolloutGuardService } from '../resilience/rollout-guard.service';
import { resolveLanguage } from '../routing/languages.constants';
import { postProcessCompletion } from '../routing/post-process';
import { buildUpstreamCall } from '../routing/request-builders';
import type { RoutingDecision, RoutingRequest } from '../routing/routing.types';
import {
  CompletionInputBody,
  completionInputSchema,
  MAX_BODY_CHARS,
} from './completion-input.schema';
import { logCompletionInput } from './completion-log';
import { DirectAccessService } from './direct-access.service';
import { staleSources } from './stale-sources';
import { RouteDeciderService } from './route-decider.service';
import { enabledFlagNames, forwardedClientHeaders } from './upstream-headers';
import { UpstreamTokenService } from './upstream-token.service';

export interface CompletionRequestMeta {
  headers: Record<string, string | string[] | undefined>;
  requestId: string;
  bodyChars: number;
  signal: AbortSignal;
  /** Called once routing is known, so the per-request metric carries task, API and model. */
  onRouted?: (labels: CompletionLabels) => void;
}

export interface CompletionResult {
  response: UpstreamResponse;
  decision: RoutingDecision;
  /** Sources served from stale data (flags, identity): the controller says so in a header. */
  stale: string[];
}

/**
 * POST /api/v4/code_suggestions/completions, in the contract's order: kill switch 404, seat 401,
 * validation 400, rate limit 429, size 413, then the routed gateway call, failing over to the
 * backup model within the request's time budget when automatic failover is configured.
 */
@Injectable()
export class CompletionsService {
  private readonly limiter: RateLimiter;

  constructor(
    private readonly flags: FlagsService,
    private readonly access: DirectAccessService,
    private readonly settings: SettingsService,
    private readonly router: RouteDeciderService,
    private readonly gateway: ResilientGatewayService,
    private readonly tokens: UpstreamTokenService,
    private readonly metrics: MetricsService,
    private readonly guard: RolloutGuardService,
    @Inject(GATEWAY_BASE_URL) private readonly baseUrl: GatewayBaseUrl,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RATE_LIMITERS) limiters: RateLimiters,
  ) {
    this.limiter = limiters.create('completions', config.rateLimits.completionsPerMinute, 60_000);
  }

  async complete(
    p: Principal,
    rawBody: unknown,
    meta: CompletionRequestMeta,
  ): Promise<CompletionResult> {
    const started = Date.now();
    const startedPerf = performance.now();
    const { seat, subject } = await this.access.gate(p);
    const input: CompletionInputBody = parseOrThrow(completionInputSchema, rawBody);
    const retryAfter = await this.limiter.hit(`u${p.user.id}`);
    if (retryAfter !== undefined) {
      this.metrics.rateLimit('completions');
      throw new DomainError('rate_limited', 'completions rate limit', {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    if (meta.bodyChars > MAX_BODY_CHARS)
      throw new DomainError('payload_too_large', 'body too large');

    const settings = this.settings.current();
    const routing: RoutingRequest = {
      intent: input.intent,
      userInstruction: input.user_instruction,
      generationType: input.generation_type,
      contentAboveCursor: input.current_file.content_above_cursor,
      fileName: input.current_file.file_name,
      languageIdentifier: input.current_file.language_identifier,
      supportsSseStreaming: meta.headers['x-supports-sse-streaming'] === 'true',
    };
    let decision = this.router.decide(routing, subject, seat, settings);
    const deadline = started + this.config.gateway.timeoutMs;
    const failover = this.router.models.completionFailover;
    // Manual mode: only the flag fails over, so no breaker may block or short-circuit a model.
    const automatic = failover?.mode === 'automatic';
    const canFailOver =
      automatic &&
      decision.task === 'completion' &&
      decision.model !== undefined &&
      decision.model.key !== failover.model.key;
    if (decision.modelSource === 'failover_manual') this.metrics.failover('manual');
    if (decision.modelSource === 'failover_automatic') this.metrics.failover('automatic');
    meta.onRouted?.(labelsOf(decision));
    let upstreamMs = 0;

    const send = async (d: RoutingDecision, timeoutMs: number) => {
      const token = await this.tokens.tokenFor({
        globalUserId: p.user.globalUserId,
        instanceId: settings.instanceId,
        realm: realmOf(settings),
        claims: decisionClaims(d),
      });
      const headers: Record<string, string> = {
        ...forwardedClientHeaders(meta.headers),
        ...identityHeaders({
          user: p.user,
          settings,
          seat,
          gitlabVersion: this.config.gitlabVersion,
          enabledFlags: enabledFlagNames(d.decidingFlags),
        }),
        Authorization: `Bearer ${token}`,
        'X-Request-ID': meta.requestId,
        'X-Gitlab-Rails-Send-Start': (Date.now() / 1000).toFixed(3),
      };
      logCompletionInput(
        this.flags.isEnabled('expanded_ai_logging', subject),
        p,
        input,
        d,
        meta.requestId,
      );
      const call = buildUpstreamCall(input, d);
      const attemptStarted = performance.now();
      try {
        const outcome = await this.gateway.attempt(
          this.baseUrl(),
          {
            path: call.path,
            body: call.body,
            headers,
            stream: call.stream,
            signal: meta.signal,
            timeoutMs,
          },
          automatic ? d.model : undefined,
        );
        this.guard.record(d.model, !outcome.failure, performance.now() - attemptStarted);
        return outcome;
      } finally {
        // Every attempt's time (a failed primary's too) is upstream time, not our overhead.
        const ms = performance.now() - attemptStarted;
        upstreamMs += ms;
        const l = labelsOf(d);
        this.metrics.upstreamTime({ api: l.api, provider: l.provider, model: l.model }, ms / 1000);
      }
    };

    try {
      const budget = () => Math.max(1, deadline - Date.now());
      let outcome = await send(
        decision,
        canFailOver ? Math.min(this.config.failover.attemptTimeoutMs, budget()) : budget(),
      );
      if (outcome.failure && canFailOver && !meta.signal.aborted && decision.model) {
        decision = this.router.decide(routing, subject, seat, settings, decision.model);
        this.metrics.failover('automatic');
        meta.onRouted?.(labelsOf(decision));
        outcome = await send(decision, budget());
      }
      let response = outcome.response ?? failureToResponse(outcome.failure!);
      if (
        response.kind === 'json' &&
        response.status >= 200 &&
        response.status < 300 &&
        decision.model
      ) {
        const language = resolveLanguage(
          input.current_file.file_name,
          input.current_file.language_identifier,
        );
        response = {
          ...response,
          body: postProcessCompletion(response.body, decision.model, language),
        };
      }
      return { response, decision, stale: staleSources(this.flags, p, seat) };
    } finally {
      this.metrics.overheadTime(
        'completions',
        Math.max(0, (performance.now() - startedPerf - upstreamMs) / 1000),
      );
    }
  }
}

function labelsOf(d: RoutingDecision): CompletionLabels {
  return {
    task: d.task,
    api: d.api,
    provider: d.model?.provider ?? 'gateway',
    model: d.model?.name ?? 'gateway',
  };
}

export function decisionClaims(d: RoutingDecision): Record<string, unknown> {
  return {
    model_provider: d.model?.provider ?? null,
    model_name: d.model?.name ?? null,
    feature_flags: enabledFlagNames(d.decidingFlags),
    deciding_flags: { ...d.decidingFlags },
  };
}
