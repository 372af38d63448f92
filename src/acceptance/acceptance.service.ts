import { createHash } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Principal } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import { rootLogger } from '../common/logging/logger';
import {
  RATE_LIMITERS,
  type RateLimiter,
  type RateLimiters,
} from '../common/rate-limit/rate-limiter';
import { parseOrThrow } from '../common/validation/zod.pipe';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { AcceptanceBatch } from './acceptance-batch';
import { AcceptanceMetrics, type IgnoredReason } from './acceptance.metrics';
import { AcceptanceRepository } from './acceptance.repository';
import {
  isSuggestionEvent,
  SUGGESTION_EVENTS,
  type AcceptanceCounts,
  type AttributedEvent,
} from './acceptance.types';
import { DecisionLedgerService } from './decision-ledger.service';
import { MAX_TRACK_EVENT_BODY_CHARS, trackEventSchema } from './track-event.schema';

/** Suggestions held between two flushes at most (past it, events are dropped and counted). */
const MAX_PENDING = 50_000;
/** A batch this large is written at once instead of at the next tick. */
const FLUSH_AT = 2_000;
const PRUNE_EVERY_MS = 60_000;
const MINUTE_MS = 60_000;

const log = rootLogger.child({ component: 'acceptance' });

/** A language as a rollup key: the IDE's identifier, lower case, bounded; '' when odd or absent. */
const languageKey = (l: string | null | undefined) =>
  l && /^[A-Za-z0-9_+#.-]{1,32}$/.test(l) ? l.toLowerCase() : '';

/**
 * Takes the IDE's suggestion events (POST /api/v4/usage_data/track_event) as GitLab does, and
 * keeps them counted per minute by model × rollout arm × gate × language. The request only
 * validates, checks the per-user limit and adds to an in-memory batch; the batch is written
 * every ACCEPTANCE_FLUSH_INTERVAL_MS in one transaction, so a flood of events costs the typing
 * path nothing but the event requests themselves.
 */
@Injectable()
export class AcceptanceService implements OnModuleInit, OnModuleDestroy {
  private readonly batch = new AcceptanceBatch(MAX_PENDING);
  private readonly limiter: RateLimiter;
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private lastPruneMs = 0;

  constructor(
    private readonly repo: AcceptanceRepository,
    private readonly ledger: DecisionLedgerService,
    private readonly metrics: AcceptanceMetrics,
    private readonly appMetrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RATE_LIMITERS) limiters: RateLimiters,
  ) {
    this.limiter = limiters.create('usage_events', config.rateLimits.usageEventsPerMinute, 60_000);
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.tick(), this.config.acceptance.flushIntervalMs);
    this.timer.unref();
  }

  /** Before the database closes (onApplicationShutdown): what is pending is written. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch((err: unknown) => log.error({ err }, 'last acceptance flush failed'));
  }

  /** One track_event call: 413, 400, 429 in that order; an event we do not count is still a 200. */
  async track(p: Principal, rawBody: unknown, bodyChars: number): Promise<void> {
    if (bodyChars > MAX_TRACK_EVENT_BODY_CHARS)
      throw new DomainError('payload_too_large', 'track_event body too large');
    const body = parseOrThrow(trackEventSchema, rawBody);
    const retryAfter = await this.limiter.hit(`u${p.user.id}`);
    if (retryAfter !== undefined) {
      this.ignore('rate_limited');
      this.appMetrics.rateLimit('track_event');
      throw new DomainError('rate_limited', 'usage events rate limit', {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    // GitLab answers 200 for an event it does not know and tracks nothing (lib/api/helpers.rb).
    if (!isSuggestionEvent(body.event)) return this.ignore('unknown_event');
    const props = body.additional_properties ?? {};
    if (!props.unique_tracking_id) return this.ignore('no_tracking_id');
    const served = this.ledger.attribute(
      p.user.id,
      props.model_name ?? undefined,
      props.model_engine ?? undefined,
    );
    const event: AttributedEvent = {
      ...served,
      trackingKey: trackingKeyOf(p.user.id, props.unique_tracking_id),
      fate: SUGGESTION_EVENTS[body.event],
      language: languageKey(props.language),
      receivedAtMs: Date.now(),
    };
    const model = this.ledger.isCatalogueModel(served.model) ? served.model : 'other';
    this.metrics.events.inc({ event: event.fate, model });
    if (!this.batch.add(event)) return this.ignore('batch_full');
    if (this.batch.size >= FLUSH_AT) this.tick();
  }

  /** Writes what this process holds (after any write under way). Rejects when the write fails. */
  flush(): Promise<void> {
    const run = this.chain.then(() => this.writePending());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Counts from the durable rollup over [sinceMs, untilMs) at minute granularity (a minute counts
   * when it starts in the window, `sinceMs` rounded down to its minute), this process's pending
   * events flushed first.
   */
  async totals(opts: {
    sinceMs: number;
    untilMs?: number;
    byLanguage?: boolean;
  }): Promise<AcceptanceCounts[]> {
    await this.flush();
    const since = new Date(Math.floor(opts.sinceMs / MINUTE_MS) * MINUTE_MS);
    const until = new Date(opts.untilMs ?? Date.now() + MINUTE_MS);
    return this.repo.totals(since, until, opts.byLanguage === true);
  }

  private ignore(reason: IgnoredReason): void {
    this.metrics.ignored.inc({ reason });
  }

  private tick(): void {
    this.flush()
      .then(() => this.pruneIfDue())
      .catch((err: unknown) => log.warn({ err }, 'acceptance flush failed; retried next time'));
  }

  private async writePending(): Promise<void> {
    const batch = this.batch.take();
    try {
      await this.repo.write(batch);
    } catch (err) {
      this.batch.restore(batch);
      this.metrics.flushFailures.inc();
      throw err;
    }
  }

  private async pruneIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = now;
    const { dedupWindowMs, retentionMs } = this.config.acceptance;
    await this.repo.prune(new Date(now - dedupWindowMs), new Date(now - retentionMs));
  }
}

/** One user's suggestion, without keeping who: another user's id cannot reach the same key. */
function trackingKeyOf(userId: number, trackingId: string): string {
  return createHash('sha256').update(`${userId}:${trackingId}`).digest('hex').slice(0, 40);
}
