import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuditRepository } from '../audit/audit.repository';
import { rootLogger } from '../common/logging/logger';
import { FlagsService } from '../flags/flags.service';
import { MetricsService } from '../observability/metrics.service';
import {
  ACCEPTANCE_SOURCE,
  judgeAcceptance,
  type AcceptanceSource,
  type AcceptanceStatus,
} from './acceptance-guard';
import type { FlagGates } from '../flags/gates';
import type { AcceptanceGuard, CompletionRule, RolloutGuard } from '../routing/model-catalogue';
import type { ModelSpec } from '../routing/routing.types';

const WINDOW = 500;
const ROLLBACK = 'rollout_guard_rollback';
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
  /** The acceptance verdict when the guard acted (harm, or the health check's numbers). */
  acceptance?: AcceptanceStatus;
}

/** One beta rollout's acceptance as the console shows it. */
export interface RolloutAcceptance {
  flag: string;
  model: string;
  /** The stage's percentage; null when the flag is not at one (off, on for all, named users). */
  percentage: number | null;
  limits: { min_shown: number; max_drop: number; alpha: number };
  status: AcceptanceStatus | null;
  last_rollback: { at: string; reason: string } | null;
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
 * rate and p95 latency with the model it replaces, and (with `rollout_guard.acceptance`) its
 * acceptance rate with the control's in an always-valid test (docs/rollout-guard.md); past the
 * rule's limits it sets the percentage to 0 through the flag service (audit event, log line,
 * metric), once in the fleet. Off unless the rule's `rollout_guard.enabled` is true.
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
  /** The latest acceptance verdict per watched flag while it is at a percentage. */
  private readonly verdicts = new Map<string, AcceptanceStatus>();
  private readonly stages = new Map<string, { key: string; sinceMs: number }>();
  private acceptance?: AcceptanceSource;

  constructor(
    private readonly flags: FlagsService,
    private readonly metrics: MetricsService,
    private readonly audit: AuditRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly modules: ModuleRef,
  ) {}

  /** Called by the routing module once the catalogue is loaded. */
  watch(rules: readonly CompletionRule[]): void {
    this.rules = rules.filter((r): r is BetaRule => r.kind === 'beta' && r.rolloutGuard.enabled);
    const def = rules.find((r) => r.kind === 'default');
    this.baseline = def && 'model' in def ? def.model : undefined;
  }

  onModuleInit(): void {
    // The acceptance rollup's module sits above this one (it needs the routing that needs this
    // guard), so the guard finds it by token (RolloutGuardAcceptanceModule); without it, the
    // guard watches errors and latency only.
    try {
      this.acceptance = this.modules.get<AcceptanceSource>(ACCEPTANCE_SOURCE, { strict: false });
    } catch {
      this.acceptance = undefined;
    }
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
      acceptance: [...this.verdicts.values()],
    };
  }

  /**
   * Each watched rule with acceptance limits: its verdict now (read afresh; null unless at a
   * percentage) and the guard's last rollback of it (from the audit log: any instance's).
   */
  async acceptanceReport(): Promise<RolloutAcceptance[]> {
    const watched = this.rules.flatMap((r) =>
      r.rolloutGuard.acceptance ? [{ rule: r, limits: r.rolloutGuard.acceptance }] : [],
    );
    return Promise.all(
      watched.map(async ({ rule, limits }) => {
        const g = this.flags.get(rule.flag).gates;
        const pct = rolloutPercentage(g);
        const judged = pct === undefined ? undefined : await this.judge(rule.flag, limits, g);
        const last = await this.audit.findLatest('FeatureFlag', rule.flag, ROLLBACK);
        const after = last?.after as { reason?: string } | null | undefined;
        return {
          flag: rule.flag,
          model: rule.model.key,
          percentage: pct ?? null,
          limits: { min_shown: limits.minShown, max_drop: limits.maxDrop, alpha: limits.alpha },
          status: judged?.status ?? null,
          last_rollback: last
            ? { at: last.createdAt.toISOString(), reason: after?.reason ?? '' }
            : null,
        };
      }),
    );
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
    const pct = rolloutPercentage(g);
    if (pct === undefined) {
      this.verdicts.delete(rule.flag);
      return;
    }
    const beta = stats(this.samples.get(rule.model.key) ?? []);
    const base = stats(this.samples.get(baseline.key) ?? []);
    const acceptance = rule.rolloutGuard.acceptance
      ? await this.judge(rule.flag, rule.rolloutGuard.acceptance, g)
      : undefined;
    if (acceptance) this.verdicts.set(rule.flag, acceptance.status);
    const reason =
      healthReason(rule.rolloutGuard, beta, base) ??
      (acceptance?.verdict.kind === 'harm' ? acceptance.status.summary : undefined);
    if (!reason) return;
    const done = await this.rollBack(rule, pct, reason);
    if (!done) return;
    const action: GuardAction = {
      flag: rule.flag,
      at: new Date().toISOString(),
      reason,
      beta,
      baseline: base,
      ...(acceptance && { acceptance: acceptance.status }),
    };
    this.actions.push(action);
    if (this.actions.length > 50) this.actions.shift();
    rootLogger.warn(
      { flag: rule.flag, model: rule.model.key, reason, from_percentage: pct },
      'rollout guard rolled back a beta model to 0%',
    );
  }

  /** The acceptance verdict on the current stage (since the flag last changed). */
  private async judge(flag: string, limits: AcceptanceGuard, gates: FlagGates) {
    if (!this.acceptance) return undefined;
    const sinceMs = await this.stageStart(flag, gates);
    const rows = await this.acceptance.totals({ sinceMs });
    return judgeAcceptance(flag, sinceMs, rows, limits);
  }

  /**
   * A stage starts when its flag last changed (its newest audit event, which every instance
   * reads alike; a test restarted per stage keeps its level). Read again when the gates change.
   */
  private async stageStart(flag: string, gates: FlagGates): Promise<number> {
    const key = JSON.stringify(gates);
    const known = this.stages.get(flag);
    if (known?.key === key) return known.sinceMs;
    const latest = await this.audit.findLatest('FeatureFlag', flag);
    const sinceMs = latest?.createdAt.getTime() ?? Date.now();
    this.stages.set(flag, { key, sinceMs });
    return sinceMs;
  }

  /**
   * Percentage to 0 once in the fleet: the write applies only while the backend's current state
   * (under the store's write lock) still has a percentage, so an instance that comes second
   * changes nothing and audits nothing (false).
   */
  private async rollBack(rule: BetaRule, pct: number, reason: string): Promise<boolean> {
    const done = await this.flags.changeWhile(
      rule.flag,
      (before) => rolloutPercentage(before) !== undefined,
      [
        { kind: 'percentage_of_actors', value: 0 },
        { kind: 'percentage_of_time', value: 0 },
      ],
      { id: null, name: 'rollout-guard' },
    );
    this.samples.delete(rule.model.key);
    if (!done) return false;
    this.metrics.rollback(rule.flag);
    await this.audit.record({
      actorId: null,
      actorName: 'rollout-guard',
      action: ROLLBACK,
      targetType: 'FeatureFlag',
      targetId: rule.flag,
      before: { percentage: pct },
      after: { percentage: 0, reason },
    });
    return true;
  }
}

/** The percentage a staged rollout is at (0 < p < 100, boolean off); undefined otherwise. */
function rolloutPercentage(g: FlagGates): number | undefined {
  const pct = Math.max(g.percentageOfActors, g.percentageOfTime);
  return g.boolean || pct <= 0 || pct >= 100 ? undefined : pct;
}

type Health = ReturnType<typeof stats>;

function healthReason(t: RolloutGuard, beta: Health, base: Health): string | undefined {
  if (beta.requests < t.minRequests || base.requests < t.minRequests) return undefined;
  const errorDelta = beta.error_rate - base.error_rate;
  const latencyRatio = base.p95_ms > 0 ? beta.p95_ms / base.p95_ms : 1;
  if (errorDelta > t.maxErrorRateDelta)
    return `error rate ${(beta.error_rate * 100).toFixed(1)}% vs ${(base.error_rate * 100).toFixed(1)}% (allowed +${t.maxErrorRateDelta * 100}%)`;
  if (latencyRatio > t.maxP95LatencyRatio)
    return `p95 ${beta.p95_ms.toFixed(0)} ms vs ${base.p95_ms.toFixed(0)} ms (allowed x${t.maxP95LatencyRatio})`;
  return undefined;
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
