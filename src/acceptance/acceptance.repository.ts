import { Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';
import type { AcceptanceCounts, SuggestionOutcome } from './acceptance.types';

/** A suggestion seen in a batch, collapsed: its first attribution, its first outcome. */
export interface PendingSuggestion {
  trackingKey: string;
  minute: Date;
  model: string;
  arm: string;
  gate: string | null;
  language: string;
  outcome: SuggestionOutcome | null;
}

type RollupKey = Pick<PendingSuggestion, 'minute' | 'model' | 'arm' | 'gate' | 'language'>;
interface Delta extends RollupKey {
  shown: number;
  accepted: number;
  rejected: number;
}

const SEP = '\u0000';
const keyOf = (r: RollupKey) =>
  [r.minute.getTime(), r.model, r.arm, r.gate ?? '', r.language].join(SEP);

/**
 * The per-suggestion rows (counted once) and the per-minute rollup. One batch is one
 * transaction: a suggestion's row and its counts commit together, so a retried batch after a
 * failure counts nothing twice. Inserts that lose a race with another process (the same
 * suggestion's events reached two instances) are skipped by the primary key; an outcome is only
 * set where none is, so each suggestion adds at most one shown and one accepted or rejected.
 */
@Injectable()
export class AcceptanceRepository {
  constructor(private readonly prisma: PrismaService) {}

  async write(batch: readonly PendingSuggestion[]): Promise<void> {
    if (batch.length === 0) return;
    await this.prisma.$transaction(async (tx) => {
      const deltas = new Map<string, Delta>();
      const add = (r: RollupKey, shown: number, outcome: SuggestionOutcome | null) => {
        const k = keyOf(r);
        const d = deltas.get(k) ?? { ...r, shown: 0, accepted: 0, rejected: 0 };
        d.shown += shown;
        if (outcome) d[outcome] += 1;
        deltas.set(k, d);
      };
      const created = await tx.acceptanceSuggestion.createManyAndReturn({
        data: batch.map((s) => ({ ...s, gate: s.gate ?? '' })),
        skipDuplicates: true,
        select: { trackingKey: true },
      });
      const isNew = new Set(created.map((c) => c.trackingKey));
      for (const s of batch) if (isNew.has(s.trackingKey)) add(s, 1, s.outcome);
      for (const outcome of ['accepted', 'rejected'] as const) {
        const keys = batch
          .filter((s) => s.outcome === outcome && !isNew.has(s.trackingKey))
          .map((s) => s.trackingKey);
        if (keys.length === 0) continue;
        const updated = await tx.acceptanceSuggestion.updateManyAndReturn({
          where: { trackingKey: { in: keys }, outcome: null },
          data: { outcome },
        });
        for (const u of updated) add({ ...u, gate: u.gate || null }, 0, outcome);
      }
      for (const d of deltas.values()) await this.addToRollup(tx, d);
    });
  }

  private addToRollup(tx: Prisma.TransactionClient, d: Delta) {
    const id = { minute: d.minute, model: d.model, arm: d.arm, gate: d.gate ?? '' };
    return tx.acceptanceRollup.upsert({
      where: { minute_model_arm_gate_language: { ...id, language: d.language } },
      create: { ...id, language: d.language, ...counts(d) },
      update: {
        shown: { increment: d.shown },
        accepted: { increment: d.accepted },
        rejected: { increment: d.rejected },
      },
    });
  }

  /** Sums of the rollup over [since, until), per model × arm × gate (× language). */
  async totals(since: Date, until: Date, byLanguage: boolean): Promise<AcceptanceCounts[]> {
    const where = { minute: { gte: since, lt: until } };
    const _sum = { shown: true, accepted: true, rejected: true } as const;
    const by = byLanguage
      ? (['model', 'arm', 'gate', 'language'] as const)
      : (['model', 'arm', 'gate'] as const);
    const rows = await this.prisma.acceptanceRollup.groupBy({ by: [...by], where, _sum });
    return rows.map(
      (
        r: { model: string; arm: string; gate: string; language?: string } & (typeof rows)[number],
      ) => ({
        model: r.model,
        arm: r.arm,
        gate: r.gate || null,
        ...(byLanguage ? { language: r.language ?? '' } : {}),
        shown: r._sum.shown ?? 0,
        accepted: r._sum.accepted ?? 0,
        rejected: r._sum.rejected ?? 0,
      }),
    );
  }

  /** Deletes suggestion rows seen before `suggestionsBefore` and rollups before `rollupsBefore`. */
  async prune(suggestionsBefore: Date, rollupsBefore: Date): Promise<void> {
    await this.prisma.acceptanceSuggestion.deleteMany({
      where: { seenAt: { lt: suggestionsBefore } },
    });
    await this.prisma.acceptanceRollup.deleteMany({ where: { minute: { lt: rollupsBefore } } });
  }
}

const counts = (d: Delta) => ({ shown: d.shown, accepted: d.accepted, rejected: d.rejected });
