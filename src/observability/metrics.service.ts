import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The breaker gauge's values (resilience/ maps its states onto them). */
export const BREAKER_GAUGE = { closed: 0, half_open: 1, open: 2, isolated: 3 } as const;
export type BreakerGaugeState = keyof typeof BREAKER_GAUGE;
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

export interface RequestLabels {
  endpoint: string;
  task: string;
  api: string;
  provider: string;
  model: string;
  status: string;
}

/** Prometheus metrics (one registry per app instance, so tests can boot several). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'switchboard_requests_total',
    help: 'HTTP requests by endpoint (route) and status; completions also by task, gateway API, provider and model',
    labelNames: ['endpoint', 'task', 'api', 'provider', 'model', 'status'],
    registers: [this.registry],
  });
  private readonly overhead = new Histogram({
    name: 'switchboard_overhead_seconds',
    help: "Time spent in Switchboard itself until the answer's headers (total minus every gateway attempt's time)",
    labelNames: ['endpoint'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly upstream = new Histogram({
    name: 'switchboard_upstream_seconds',
    help: 'AI Gateway time to response headers (or to failure), per attempt',
    labelNames: ['api', 'provider', 'model'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly breakers = new Gauge({
    name: 'switchboard_breaker_state',
    help: 'Circuit breaker per upstream model: 0 closed, 1 half-open, 2 open',
    labelNames: ['upstream'],
    registers: [this.registry],
  });
  private readonly failovers = new Counter({
    name: 'switchboard_failovers_total',
    help: 'Completions sent to the failover model, manual (flag) or automatic (breaker, failed attempt)',
    labelNames: ['mode'],
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: 'switchboard_rate_limited_total',
    help: 'Requests refused by a rate limit',
    labelNames: ['endpoint'],
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'switchboard_direct_access_tokens_total',
    help: 'Direct-access tokens issued',
    registers: [this.registry],
  });
  private readonly rollbacks = new Counter({
    name: 'switchboard_rollout_guard_rollbacks_total',
    help: 'Beta rollouts set to 0% by the rollout guard',
    labelNames: ['flag'],
    registers: [this.registry],
  });
  readonly flagStale = new Gauge({
    name: 'switchboard_flag_source_stale',
    help: '1 when the flag source has not synced within FLAGS_STALE_AFTER_MS',
    labelNames: ['source'],
    registers: [this.registry],
  });

  readonly flagSourceAge = new Gauge({
    name: 'switchboard_flag_source_age_seconds',
    help: 'Seconds since the flag source last synced (-1 before its first sync)',
    labelNames: ['source'],
    registers: [this.registry],
  });

  /** 1 when the gateway offers a catalogue model, 0 when it is retired (never sent). */
  readonly catalogueModelOffered = new Gauge({
    name: 'switchboard_catalogue_model_offered',
    help: '1 when the AI Gateway offers the catalogue model, 0 when it is retired and not sent',
    labelNames: ['model', 'role'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
  }

  /** One per HTTP request (see request-metrics.ts); empty labels for non-completion endpoints. */
  request(labels: RequestLabels): void {
    this.requests.inc(labels);
  }

  overheadTime(endpoint: string, seconds: number): void {
    this.overhead.observe({ endpoint }, seconds);
  }

  /** One observation per gateway attempt (a failed primary and its failover are two). */
  upstreamTime(labels: { api: string; provider: string; model: string }, seconds: number): void {
    this.upstream.observe(labels, seconds);
  }

  breaker(upstream: string, state: BreakerGaugeState): void {
    this.breakers.set({ upstream }, BREAKER_GAUGE[state]);
  }

  failover(mode: 'manual' | 'automatic'): void {
    this.failovers.inc({ mode });
  }

  rateLimit(endpoint: string): void {
    this.rateLimited.inc({ endpoint });
  }

  tokenIssued(): void {
    this.tokens.inc();
  }

  rollback(flag: string): void {
    this.rollbacks.inc({ flag });
  }
}
