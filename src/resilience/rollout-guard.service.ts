import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuditRepository } from '../audit/audit.repository';
import { rootLogger } from '../common/logging/logger';
import { FlagsService } from '../flags/flags.service';
import { MetricsService } from '../observability/metrics.service';
import type { CompletionRule } from '../routing/model-catalogue';
import type { ModelSpec } from '../routing/routing.types';

const WINDOW = 500;
type BetaRule = Extract<CompletionRule, { kind: 'beta' }>;

interface Sample {
  ok: boolean;
  ms: number;
}

export interface GuardAction {
  flag: string;
  at: string;
  reason: string;
  beta: { requests: number; error_rate: number; p95_ms: number };
  baseline: { requests: number; error_rate: number; p95_ms: number };
}

/** One upstream attempt: the model attempted (none when the gateway picks it) and the API used. */
export interface Attempt {
  model: ModelSpec | undefined;
  api: string | undefined;
  ok: boolean;
  ms: number;
}
export type AttemptListener = (attempt: Attempt) => void;

/**
 * While a beta model flag is at a percentage below 100, compares the beta model's recent error
 * rate and p95 latency with the model it replaces; past the rule's thresholds it sets the
 * percentage to 0 through the flag service (audit event, log line, metric). Off unless the
 * rule's `rollout_guard.enabled` is true.
 */
@Injectable()
export class RolloutGuardService implements OnModuleInit, OnApplicationShutdown {
  private readonly samples = new Map<string, Sample[]>();
  private readonly actions: GuardAction[] = [];
  private rules: BetaRule[] = [];
  private baseline?: ModelSpec;
  private timer?: NodeJS.Timeout;
  private checking = false;
  private readonly attemptListeners: AttemptListener[] = [];

  constructor(
    private readonly flags: FlagsService,
    private readonly metrics: MetricsService,
    private readonly audit: AuditRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Called by the routing module once the catalogue is loaded. */
  watch(rules: readonly CompletionRule[]): void {
    this.rules = rules.filter((r): r is BetaRule => r.kind === 'beta' && r.rolloutGuard.enabled);
    const def = rules.find((r) => r.kind === 'default');
    this.baseline = def && 'model' in def ? def.model : undefined;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.check(), this.config.rolloutGuardIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Told of every attempt, watched or not (the admin console's beta-against-default health). */
  onAttempt(listener: AttemptListener): void {
    this.attemptListeners.push(listener);
  }

  /**
   * One upstream attempt's outcome (failures include 5xx, timeouts, connection errors and an open
   * breaker), for the model attempted, also when the gateway picks it (`model` undefined).
   */
  record(model: ModelSpec | undefined, ok: boolean, ms: number, api?: string): void {
    for (const l of this.attemptListeners) l({ model, api, ok, ms });
    if (!model || this.rules.length === 0) return;
    const k = model.key;
    let list = this.samples.get(k);
    if (!list) this.samples.set(k, (list = []));
    list.push({ ok, ms });
    if (list.length > WINDOW) list.splice(0, list.length - WINDOW);
  }

  status() {
    return {
      watching: this.rules.map((r) => ({
        flag: r.flag,
        model: r.model.key,
        baseline: this.baseline?.key ?? null,
        thresholds: r.rolloutGuard,
      })),
      actions: this.actions,
    };
  }

  async check(): Promise<void> {
    if (this.checking || !this.baseline) return;
    this.checking = true;
    try {
      for (const rule of this.rules) await this.checkRule(rule, this.baseline);
    } catch (err) {
      rootLogger.warn({ err: (err as Error).message }, 'rollout guard check failed');
    } finally {
      this.checking = false;
    }
  }

  private async checkRule(rule: BetaRule, baseline: ModelSpec): Promise<void> {
    const g = this.flags.get(rule.flag).gates;
    const pct = Math.max(g.percentageOfActors, g.percentageOfTime);
    if (g.boolean || pct <= 0 || pct >= 100) return;
    const beta = stats(this.samples.get(rule.model.key) ?? []);
    const base = stats(this.samples.get(baseline.key) ?? []);
    const t = rule.rolloutGuard;
    if (beta.requests < t.minRequests || base.requests < t.minRequests) return;
    const errorDelta = beta.error_rate - base.error_rate;
    const latencyRatio = base.p95_ms > 0 ? beta.p95_ms / base.p95_ms : 1;
    let reason: string | undefined;
    if (errorDelta > t.maxErrorRateDelta) {
      reason = `error rate ${(beta.error_rate * 100).toFixed(1)}% vs ${(base.error_rate * 100).toFixed(1)}% (allowed +${t.maxErrorRateDelta * 100}%)`;
    } else if (latencyRatio > t.maxP95LatencyRatio) {
      reason = `p95 ${beta.p95_ms.toFixed(0)} ms vs ${base.p95_ms.toFixed(0)} ms (allowed x${t.maxP95LatencyRatio})`;
    }
    if (!reason) return;
    const actor = { id: null, name: 'rollout-guard' };
    if (g.percentageOfActors > 0)
      await this.flags.change(rule.flag, { kind: 'percentage_of_actors', value: 0 }, actor);
    if (g.percentageOfTime > 0)
      await this.flags.change(rule.flag, { kind: 'percentage_of_time', value: 0 }, actor);
    const action: GuardAction = {
      flag: rule.flag,
      at: new Date().toISOString(),
      reason,
      beta,
      baseline: base,
    };
    this.actions.push(action);
    if (this.actions.length > 50) this.actions.shift();
    this.samples.delete(rule.model.key);
    this.metrics.rollback(rule.flag);
    await this.audit.record({
      actorId: null,
      actorName: 'rollout-guard',
      action: 'rollout_guard_rollback',
      targetType: 'FeatureFlag',
      targetId: rule.flag,
      before: { percentage: pct },
      after: { percentage: 0, reason },
    });
    rootLogger.warn(
      { flag: rule.flag, model: rule.model.key, reason, from_percentage: pct },
      'rollout guard rolled back a beta model to 0%',
    );
  }
}

function stats(samples: Sample[]) {
  const requests = samples.length;
  const errors = samples.filter((s) => !s.ok).length;
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const p95 = sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]
    : 0;
  return { requests, error_rate: requests ? errors / requests : 0, p95_ms: p95 };
}
