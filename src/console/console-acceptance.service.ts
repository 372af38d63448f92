import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AcceptanceService } from '../acceptance/acceptance.service';
import type { AcceptanceCounts } from '../acceptance/acceptance.types';
import { rateInterval } from '../resilience/acceptance-sequential-test';
import { RolloutGuardService } from '../resilience/rollout-guard.service';

/** The per-model rate intervals: 95 %, tuned like the guard's default (200 shown). */
const DISPLAY = { minShown: 200, maxDrop: 0, alpha: 0.05 };

export interface ModelAcceptance {
  model: string;
  shown: number;
  accepted: number;
  rejected: number;
  rate: number | null;
  interval: { low: number; high: number } | null;
}

/**
 * Acceptance for the console: each guarded beta rollout's arms and verdict (Rollouts page), and
 * suggestions shown and accepted per model over a window (Routing page).
 */
@Injectable()
export class ConsoleAcceptanceService implements OnModuleInit {
  private guard!: RolloutGuardService;

  constructor(
    private readonly modules: ModuleRef,
    private readonly source: AcceptanceService,
  ) {}

  onModuleInit(): void {
    // As ConsoleStatsService: the guard belongs to the code-suggestions wiring.
    this.guard = this.modules.get(RolloutGuardService, { strict: false });
  }

  async report(minutes: number, now = Date.now()) {
    const [rollouts, rows] = await Promise.all([
      this.guard.acceptanceReport(),
      this.source.totals({ sinceMs: now - minutes * 60_000, untilMs: now }),
    ]);
    return { window_minutes: minutes, rollouts, models: byModel(rows) };
  }
}

function byModel(rows: readonly AcceptanceCounts[]): ModelAcceptance[] {
  const sums = new Map<string, { shown: number; accepted: number; rejected: number }>();
  for (const r of rows) {
    const s = sums.get(r.model) ?? { shown: 0, accepted: 0, rejected: 0 };
    s.shown += r.shown;
    s.accepted += r.accepted;
    s.rejected += r.rejected;
    sums.set(r.model, s);
  }
  return [...sums]
    .map(([model, s]) => {
      const i = rateInterval(s, DISPLAY);
      return {
        model,
        ...s,
        rate: i?.estimate ?? null,
        interval: i && { low: i.low, high: i.high },
      };
    })
    .sort((a, b) => b.shown - a.shown || a.model.localeCompare(b.model));
}
