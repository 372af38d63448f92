import { Injectable } from '@nestjs/common';
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

/**
 * The per-suggestion rows (counted once) and the per-minute rollup. One batch is ONE statement
 * (no interactive transaction holding the connection, which PGlite's single connection would make
 * every other query wait for): the suggestions are inserted (a key already there is skipped), an
 * outcome is set only where none is, and exactly what was inserted or set is added to the
 * rollup, atomically. A retried batch after a failure counts nothing twice.
 */
@Injectable()
export class AcceptanceRepository {
  constructor(private readonly prisma: PrismaService) {}

  async write(batch: readonly PendingSuggestion[]): Promise<void> {
    if (batch.length === 0) return;
    const rows = JSON.stringify(
      batch.map((s) => ({
        k: s.trackingKey,
        t: s.minute.getTime(),
        m: s.model,
        a: s.arm,
        g: s.gate ?? '',
        l: s.language,
        o: s.outcome,
      })),
    );
    await this.prisma.$executeRaw`
      WITH input AS (
        SELECT x.k, (to_timestamp(x.t / 1000.0) AT TIME ZONE 'UTC')::timestamp(3) AS minute,
               x.m, x.a, x.g, x.l, x.o
        FROM jsonb_to_recordset(${rows}::jsonb)
          AS x(k text, t bigint, m text, a text, g text, l text, o text)
      ),
      inserted AS (
        INSERT INTO acceptance_suggestions
          (tracking_key, minute, model, arm, gate, language, outcome)
        SELECT k, minute, m, a, g, l, o FROM input
        ON CONFLICT (tracking_key) DO NOTHING
        RETURNING minute, model, arm, gate, language, outcome, 1 AS shown
      ),
      decided AS (
        UPDATE acceptance_suggestions s SET outcome = i.o
        FROM input i
        WHERE s.tracking_key = i.k AND s.outcome IS NULL AND i.o IS NOT NULL
        RETURNING s.minute, s.model, s.arm, s.gate, s.language, s.outcome, 0 AS shown
      ),
      deltas AS (SELECT * FROM inserted UNION ALL SELECT * FROM decided)
      INSERT INTO acceptance_rollups AS r (minute, model, arm, gate, language, shown, accepted, rejected)
      SELECT minute, model, arm, gate, language, sum(shown),
             count(*) FILTER (WHERE outcome = 'accepted'),
             count(*) FILTER (WHERE outcome = 'rejected')
      FROM deltas GROUP BY minute, model, arm, gate, language
      ON CONFLICT (minute, model, arm, gate, language) DO UPDATE SET
        shown = r.shown + EXCLUDED.shown,
        accepted = r.accepted + EXCLUDED.accepted,
        rejected = r.rejected + EXCLUDED.rejected`;
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
