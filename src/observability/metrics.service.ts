import { Injectable } from '@nestjs/common';
import cluster from 'node:cluster';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { joinClusterMetrics, scrapeCluster } from './cluster-metrics';
import { collectProcessMetrics } from './process-metrics';

/** The breaker gauge's values (resilience/ maps its states onto them). */
export const BREAKER_GAUGE = { closed: 0, half_open: 1, open: 2, isolated: 3 } as const;
export type BreakerGaugeState = keyof typeof BREAKER_GAUGE;
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/**
 * How one gateway attempt ended: the answer's status class, or why there was none. A closed
 * list (docs/metrics.md), so the label's cardinality is bounded.
 */
export type AttemptOutcomeLabel =
  | '2xx'
  | '3xx'
  | '4xx'
  | '5xx'
  | 'timeout'
  | 'connect'
  | 'early_close'
  | 'bulkhead_full'
  | 'oversized_answer'
  | 'circuit_open'
  | 'cancelled'
  | 'internal';

/** How a routed completion ended for its client. */
export type CompletionOutcomeLabel =
  | 'answered'
  | 'failed_over'
  | 'upstream_4xx'
  | 'upstream_5xx'
  | Exclude<AttemptOutcomeLabel, `${number}xx`>;

export interface RoutedLabels {
  task: string;
  api: string;
  provider: string;
  model: string;
}

export interface RequestLabels extends RoutedLabels {
  endpoint: string;
  status: string;
}

export type FailoverTrigger = 'flag' | 'breaker_open' | 'attempt_failed';
export type FailoverListener = (e: {
  mode: 'manual' | 'automatic';
  trigger: FailoverTrigger;
  fromModel: string;
  toModel: string;
}) => void;

/** What the flag-source gauges show; read at each scrape. */
export interface FlagSourceView {
  source: string;
  stale: boolean;
  ageSeconds: number;
}

/**
 * Prometheus metrics (one registry per app instance, so tests can boot several). Every label is
 * a route pattern, a catalogue value or a closed list: no user, token, URL or free text
 * (docs/metrics.md lists them with their bounds). `aggregator` says how one scrape of a
 * WORKERS>1 instance combines the workers' values (cluster-metrics.ts).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private breakerSource?: () => Record<string, BreakerGaugeState>;
  private readonly failoverListeners: FailoverListener[] = [];
  private flagSource?: () => FlagSourceView;

  private readonly requests = new Counter({
    name: 'switchboard_requests_total',
    help: 'HTTP requests by endpoint (route) and status; completions also by task, gateway API, provider and model',
    labelNames: ['endpoint', 'task', 'api', 'provider', 'model', 'status'],
    registers: [this.registry],
  });
  private readonly completions = new Histogram({
    name: 'switchboard_completion_seconds',
    help: "Routed completions and generations, from the request's arrival to its answer's headers, by the model that answered (or failed last) and the outcome",
    labelNames: ['task', 'api', 'provider', 'model', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly overhead = new Histogram({
    name: 'switchboard_overhead_seconds',
    help: "Time spent in Switchboard itself until the answer's headers (total minus every gateway attempt's time)",
    labelNames: ['endpoint', 'task', 'api', 'provider', 'model'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly upstream = new Histogram({
    name: 'switchboard_upstream_seconds',
    help: 'AI Gateway attempts, time to response headers (or to failure), by model and outcome (status class or failure reason)',
    labelNames: ['api', 'provider', 'model', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly breakers = new Gauge({
    name: 'switchboard_breaker_state',
    help: 'Circuit breaker per upstream model (every catalogue model under automatic failover): 0 closed, 1 half-open, 2 open, 3 isolated; the highest of the workers',
    labelNames: ['upstream'],
    registers: [this.registry],
    aggregator: 'max',
    collect: () => {
      if (!this.breakerSource) return;
      this.breakers.reset();
      for (const [upstream, state] of Object.entries(this.breakerSource()))
        this.breakers.set({ upstream }, BREAKER_GAUGE[state]);
    },
  });
  private readonly failovers = new Counter({
    name: 'switchboard_failovers_total',
    help: 'Completions sent to another model than the rules picked: manual (flag) or automatic (open breaker, failed attempt), from which model to which',
    labelNames: ['mode', 'trigger', 'from_model', 'to_model'],
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
  private readonly flagStale = new Gauge({
    name: 'switchboard_flag_source_stale',
    help: '1 when the flag source has not synced within FLAGS_STALE_AFTER_MS (in any worker)',
    labelNames: ['source'],
    registers: [this.registry],
    aggregator: 'max',
    collect: () => {
      const v = this.flagSource?.();
      if (v) this.flagStale.set({ source: v.source }, v.stale ? 1 : 0);
    },
  });
  private readonly flagSourceAge = new Gauge({
    name: 'switchboard_flag_source_age_seconds',
    help: 'Seconds since the flag source last synced (-1 before its first sync); the oldest of the workers',
    labelNames: ['source'],
    registers: [this.registry],
    aggregator: 'max',
    collect: () => {
      const v = this.flagSource?.();
      if (v) this.flagSourceAge.set({ source: v.source }, v.ageSeconds);
    },
  });
  private readonly workers = new Gauge({
    name: 'switchboard_workers_reporting',
    help: 'Processes (WORKERS) whose metrics this scrape sums: 1 per worker that answered the primary',
    registers: [this.registry],
    aggregator: 'sum',
  });

  /** 1 when the gateway offers a catalogue model, 0 when it is retired (never sent). */
  readonly catalogueModelOffered = new Gauge({
    name: 'switchboard_catalogue_model_offered',
    help: '1 when the AI Gateway offers the catalogue model, 0 when it is retired and not sent',
    labelNames: ['model', 'role'],
    registers: [this.registry],
    // Every worker reads the same offer; under WORKERS>1 a sum would say 2 for "offered".
    aggregator: 'min',
  });

  /**
   * Selections (the instance's, or top-level groups') the gateway no longer offers, so requests
   * use the feature's default. Every worker holds the same selections: the fleet's value is the
   * largest any worker reports, not their sum. Which groups: explain, the API and the log line.
   */
  readonly staleSelections = new Gauge({
    name: 'switchboard_model_selections_stale',
    help: 'Model selections the AI Gateway no longer offers (requests use the default), by feature and scope',
    labelNames: ['feature', 'scope'],
    registers: [this.registry],
    aggregator: 'max',
  });

  constructor() {
    collectProcessMetrics(this.registry);
    this.workers.set(1);
    if (cluster.isWorker) joinClusterMetrics(this.registry);
  }

  /** The scrape's text: this process's registry, or under WORKERS>1 every worker's, summed. */
  scrape(): Promise<string> {
    return cluster.isWorker ? scrapeCluster() : this.registry.metrics();
  }

  /** Read at each scrape: the state of every configured breaker, closed ones included. */
  setBreakerSource(fn: () => Record<string, BreakerGaugeState>): void {
    this.breakerSource = fn;
  }

  setFlagSource(fn: () => FlagSourceView): void {
    this.flagSource = fn;
  }

  /** One per HTTP request (see request-metrics.ts); empty labels for non-completion endpoints. */
  request(labels: RequestLabels): void {
    this.requests.inc(labels);
  }

  /**
   * One per routed completion, recorded before its answer is sent (so a scrape after the answer
   * always counts it).
   */
  completion(labels: RoutedLabels, outcome: CompletionOutcomeLabel, seconds: number): void {
    this.completions.observe({ ...labels, outcome }, seconds);
  }

  overheadTime(endpoint: string, labels: RoutedLabels, seconds: number): void {
    this.overhead.observe({ endpoint, ...labels }, seconds);
  }

  /** One observation per gateway attempt (a failed primary and its failover are two). */
  upstreamTime(labels: RoutedLabels, outcome: AttemptOutcomeLabel, seconds: number): void {
    this.upstream.observe(
      { api: labels.api, provider: labels.provider, model: labels.model, outcome },
      seconds,
    );
  }

  failover(
    mode: 'manual' | 'automatic',
    trigger: FailoverTrigger,
    fromModel: string,
    toModel: string,
  ): void {
    this.failovers.inc({ mode, trigger, from_model: fromModel, to_model: toModel });
    for (const l of this.failoverListeners) l({ mode, trigger, fromModel, toModel });
  }

  /** Each failover the counter counts (the console's "automatic failover active"). */
  onFailover(listener: FailoverListener): void {
    this.failoverListeners.push(listener);
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
