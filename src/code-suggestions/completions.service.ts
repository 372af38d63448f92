import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { Principal } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import { RATE_LIMITERS, RateLimiter, type RateLimiters } from '../common/rate-limit/rate-limiter';
import { parseOrThrow } from '../common/validation/zod.pipe';
import { FlagsService } from '../flags/flags.service';
import type { FlagSubject } from '../flags/flag-context';
import { GATEWAY_BASE_URL, GatewayBaseUrl, UpstreamResponse } from '../gateway/gateway.types';
import type { SeatContext } from '../identity/seats/seats.service';
import { SettingsService } from '../identity/settings/settings.service';
import { MetricsService } from '../observability/metrics.service';
import {
  attemptOutcomeLabel,
  COMPLETIONS_ENDPOINT,
  completionOutcomeLabel,
  countRoutedFailover,
  labelsOf,
  UNROUTED,
} from './completion-metrics';
import { runWithFailover } from '../resilience/failover-executor';
import {
  AttemptOutcome,
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
import type { Completion, CompletionRequestMeta, CompletionResult } from './completion.types';
import { decisionClaims, decisionClaimsKey, enabledFlagNames } from './decision-claims';
import { DirectAccessService } from './direct-access.service';
import { assertWithinPathLimits } from './gateway-limits';
import { realmOf, upstreamCallHeaders } from './identity-headers';
import { staleSources } from './stale-sources';
import { RouteDeciderService } from './route-decider.service';
import { ServedDecisions } from './served-decisions';
import { addForwardedClientHeaders } from './upstream-headers';
import { UpstreamTokenService } from './upstream-token.service';

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
    private readonly served: ServedDecisions,
  ) {
    this.limiter = limiters.create('completions', config.rateLimits.completionsPerMinute, 60_000);
  }

  async complete(
    p: Principal,
    rawBody: unknown,
    meta: CompletionRequestMeta,
  ): Promise<CompletionResult> {
    const started = performance.now();
    const deadline = Date.now() + this.config.gateway.timeoutMs;
    const { seat, subject, selection } = await this.access.gate(p);
    const input = await this.admit(p, rawBody, meta.bodyChars);
    const c = { ...this.context(p, seat, subject, input, meta), selection };
    let response: UpstreamResponse | undefined;
    let thrown: unknown;
    try {
      const first = this.route(c);
      assertWithinPathLimits(c.input, first); // v3/v4 take fewer, shorter context items
      const { decision, outcome } = await runWithFailover({
        first,
        deadline,
        signal: meta.signal,
        failover: this.failoverFrom(c, first),
        attempt: (d, timeoutMs) => this.callGateway(c, d, timeoutMs),
      });
      response = this.answer(c, outcome, decision);
      return { response, decision, stale: staleSources(this.flags, p, seat) };
    } catch (err) {
      thrown = err;
      throw err;
    } finally {
      this.recordCompletion(c, performance.now() - started, response, thrown);
    }
  }

  /** Before the answer is sent, so a scrape after the answer counts this request. */
  private recordCompletion(c: Completion, ownMs: number, res?: UpstreamResponse, err?: unknown) {
    const labels = c.decision ? labelsOf(c.decision) : UNROUTED;
    const overheadMs = Math.max(0, ownMs - c.upstreamMs);
    this.metrics.overheadTime(COMPLETIONS_ENDPOINT, labels, overheadMs / 1000);
    if (!c.decision) return;
    if (res && res.status >= 200 && res.status < 300)
      this.served.served({
        userId: c.p.user.id,
        path: 'indirect',
        decision: c.decision,
        subject: c.subject,
      });
    const outcome = completionOutcomeLabel(res, err, c.failedOver);
    this.metrics.completion(labels, outcome, (c.meta.elapsedMs?.() ?? ownMs) / 1000);
  }

  /** Validation 400, rate limit 429, size 413 (in the contract's order). */
  private async admit(
    p: Principal,
    rawBody: unknown,
    bodyChars: number,
  ): Promise<CompletionInputBody> {
    const input = parseOrThrow(completionInputSchema, rawBody);
    const retryAfter = await this.limiter.hit(`u${p.user.id}`);
    if (retryAfter !== undefined) {
      this.metrics.rateLimit('completions');
      throw new DomainError('rate_limited', 'completions rate limit', {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    if (bodyChars > MAX_BODY_CHARS) throw new DomainError('payload_too_large', 'body too large');
    return input;
  }

  private context(
    p: Principal,
    seat: SeatContext,
    subject: FlagSubject,
    input: CompletionInputBody,
    meta: CompletionRequestMeta,
  ): Omit<Completion, 'selection'> {
    const routing: RoutingRequest = {
      intent: input.intent,
      userInstruction: input.user_instruction,
      generationType: input.generation_type,
      contentAboveCursor: input.current_file.content_above_cursor,
      fileName: input.current_file.file_name,
      languageIdentifier: input.current_file.language_identifier,
      supportsSseStreaming: meta.headers['x-supports-sse-streaming'] === 'true',
      stream: input.stream === true,
    };
    const automatic = this.router.models.completionFailover?.mode === 'automatic';
    const settings = this.settings.current();
    return {
      ...{ p, seat, subject, settings, input, routing, meta, automatic },
      upstreamMs: 0,
      failedOver: false,
    };
  }

  private route(c: Completion): RoutingDecision {
    const d = (c.decision = this.router.decide(
      c.routing,
      c.subject,
      c.seat,
      c.settings,
      c.selection,
    ));
    c.failedOver = countRoutedFailover(this.metrics, d);
    c.meta.onRouted?.(labelsOf(d));
    return d;
  }

  /** Automatic failover of a completion whose model has a backup (manual mode: only the flag). */
  private failoverFrom(c: Completion, d: RoutingDecision) {
    const backup = this.router.models.completionFailover?.model;
    const model = d.model;
    if (!c.automatic || d.task !== 'completion' || !model || model.key === backup?.key)
      return undefined;
    return {
      attemptTimeoutMs: this.config.failover.attemptTimeoutMs,
      next: () => {
        const next = this.router.decide(
          c.routing,
          c.subject,
          c.seat,
          c.settings,
          c.selection,
          model,
        );
        this.metrics.failover('automatic', 'attempt_failed', model.name, labelsOf(next).model);
        c.decision = next;
        c.failedOver = true;
        c.meta.onRouted?.(labelsOf(next));
        return next;
      },
    };
  }

  /** One gateway attempt for decision `d`: token, headers, the log line, the call. */
  private async callGateway(
    c: Completion,
    d: RoutingDecision,
    timeoutMs: number,
  ): Promise<AttemptOutcome> {
    const headers = await this.upstreamHeaders(c, d);
    logCompletionInput(
      this.flags.isEnabled('expanded_ai_logging', c.subject),
      c.p,
      c.input,
      d,
      c.meta.requestId,
    );
    const call = buildUpstreamCall(c.input, d);
    const started = performance.now();
    let outcome: AttemptOutcome | undefined;
    let thrown: unknown;
    try {
      outcome = await this.gateway.attempt(
        this.baseUrl(),
        { ...call, headers, signal: c.meta.signal, timeoutMs },
        c.automatic ? d.model : undefined,
      );
      this.guard.record(d.model, !outcome.failure, performance.now() - started);
      return outcome;
    } catch (err) {
      thrown = err;
      throw err;
    } finally {
      const ms = performance.now() - started;
      c.upstreamMs += ms;
      this.metrics.upstreamTime(labelsOf(d), attemptOutcomeLabel(outcome, thrown), ms / 1000);
    }
  }

  private async upstreamHeaders(
    c: Completion,
    d: RoutingDecision,
  ): Promise<Record<string, string>> {
    const { p, settings, meta } = c;
    const decisionKey = decisionClaimsKey(d);
    const token = await this.tokens.forOwnCall({
      globalUserId: p.user.globalUserId,
      instanceId: settings.instanceId,
      realm: realmOf(settings),
      claimsKey: decisionKey,
      claims: () => decisionClaims(d),
    });
    const identity = {
      user: p.user,
      settings,
      seat: c.seat,
      gitlabVersion: this.config.gitlabVersion,
    };
    const shared = upstreamCallHeaders(
      identity,
      decisionKey,
      () => enabledFlagNames(d.decidingFlags).join(','),
      token,
    );
    const headers = addForwardedClientHeaders(meta.headers, { ...shared });
    headers['X-Request-ID'] = meta.requestId;
    headers['X-Gitlab-Rails-Send-Start'] = (Date.now() / 1000).toFixed(3);
    return headers;
  }

  /** The gateway's answer for the client: a failure mapped, a JSON completion post-processed. */
  private answer(c: Completion, outcome: AttemptOutcome, d: RoutingDecision): UpstreamResponse {
    const response = outcome.response ?? failureToResponse(outcome.failure!);
    if (
      response.kind !== 'json' ||
      response.status < 200 ||
      response.status >= 300 ||
      !d.model ||
      d.api !== 'v2'
    )
      return response;
    const file = c.input.current_file;
    const language = resolveLanguage(file.file_name, file.language_identifier);
    return { ...response, body: postProcessCompletion(response.body, d.model, language) };
  }
}
