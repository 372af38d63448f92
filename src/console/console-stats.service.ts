import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { FLEET_SNAPSHOTS, type FleetSnapshots } from '../common/fleet/fleet-snapshots';
import { BreakersService, type BreakerStateName } from '../resilience/breakers.service';
import { RolloutGuardService } from '../resilience/rollout-guard.service';
import { GatewayModelsService } from '../code-suggestions/gateway-models.service';
import { RouteDeciderService } from '../code-suggestions/route-decider.service';
import { MetricsService } from '../observability/metrics.service';
import { FailoverActivity } from './failover-activity';
import {
  type BreakerTransition,
  type ConsoleSnapshot,
  mergeBreakers,
  mergeFailover,
  mergeHealth,
  mergeSeries,
  mergeTransitions,
  snapshotOf,
} from './fleet-view';
import { TrafficWindow } from './traffic-window';

export type { BreakerTransition };

const MAX_TRANSITIONS = 200;
/** How often this process publishes its snapshot for the others (they age out after 10 s). */
export const SNAPSHOT_EVERY_MS = 2000;

/**
 * What the console shows that no existing endpoint keeps: answered requests per minute (the
 * labels the request metrics use, taken once the answer went out: the model that answered, as in
 * the last `code completion input:` line of the request), upstream attempts per model and per API
 * as the rollout guard is told of them, recent circuit breaker transitions and automatic failover activity.
 * Kept in memory per process; each process publishes a snapshot every 2 s (FleetSnapshots, Redis)
 * and `fleet()` adds up the live ones, saying how many processes and instances reported.
 */
@Injectable()
export class ConsoleStatsService implements OnModuleInit, OnModuleDestroy {
  readonly traffic = new TrafficWindow();
  readonly failover = new FailoverActivity();
  private readonly transitions: BreakerTransition[] = [];
  private breakers!: BreakersService;
  private guard!: RolloutGuardService;
  private publisher?: NodeJS.Timeout;

  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly modules: ModuleRef,
    readonly router: RouteDeciderService,
    @Inject(FLEET_SNAPSHOTS) private readonly snapshots: FleetSnapshots,
    readonly gatewayModels: GatewayModelsService,
  ) {}

  onModuleInit(): void {
    // The code-suggestions module keeps its breakers and guard private; reading them here (not
    // exporting them) keeps this console out of that module's wiring.
    this.breakers = this.modules.get(BreakersService, { strict: false });
    this.guard = this.modules.get(RolloutGuardService, { strict: false });
    this.modules
      .get(MetricsService, { strict: false })
      .onFailover((e) => this.failover.failover(e));
    this.breakers.onStateChange((upstream, state) => {
      this.failover.breakerChanged(upstream, state);
      this.transitions.push({ upstream, state, at: new Date().toISOString() });
      if (this.transitions.length > MAX_TRANSITIONS) this.transitions.shift();
    });
    this.guard.onAttempt(({ model, api, ok, ms }) =>
      this.traffic.recordAttempt({
        at: Date.now(),
        upstream: model && `${model.provider}/${model.name}`,
        api,
        ok,
        ms,
      }),
    );
    if (this.snapshots.shared) {
      const publish = () => this.snapshots.publish(this.snapshot());
      this.publisher = setInterval(publish, SNAPSHOT_EVERY_MS);
      this.publisher.unref();
    }
    const fastify = this.adapter.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (req, reply, done) => {
      const l = req.completionLabels;
      if (l) {
        this.traffic.record({
          at: Date.now(),
          provider: l.provider,
          model: l.model,
          api: l.api,
          status: reply.statusCode,
          ms: reply.elapsedTime,
        });
      }
      done();
    });
  }

  breakerStates(): Record<string, BreakerStateName> {
    return this.breakers.states(this.router.models.models.values());
  }

  recentTransitions(): BreakerTransition[] {
    return [...this.transitions].reverse();
  }

  guardStatus() {
    return this.guard.status();
  }

  onModuleDestroy(): void {
    clearInterval(this.publisher);
  }

  snapshot(now = Date.now()): ConsoleSnapshot {
    return snapshotOf(
      this.traffic,
      {
        breakers: this.breakerStates(),
        transitions: this.recentTransitions(),
        failover: this.failover.view(),
      },
      now,
    );
  }

  /**
   * The fleet's view over the last `minutes`: this process live, the others from their latest
   * snapshots. Alone (no Redis, or nobody else reported), exactly this process's numbers.
   */
  async fleet(minutes: number, now = Date.now()) {
    const others = await this.snapshots.others();
    const all = [this.snapshot(now), ...others.map((o) => o.data as ConsoleSnapshot)];
    const alone = others.length === 0;
    const instances = new Set([this.snapshots.self.instance, ...others.map((o) => o.instance)]);
    return {
      reporting: { processes: all.length, instances: instances.size },
      ...mergeSeries(all, minutes, now),
      health: alone
        ? this.traffic.health('attempts', minutes, now)
        : mergeHealth(all, 'attempts', minutes, now),
      api_attempt_health: alone
        ? this.traffic.health('api_attempts', minutes, now)
        : mergeHealth(all, 'api_attempts', minutes, now),
      api_health: alone
        ? this.traffic.health('answers', minutes, now)
        : mergeHealth(all, 'answers', minutes, now),
      breakers: mergeBreakers(all),
      breaker_transitions: mergeTransitions(all),
      automatic_failover: mergeFailover(all),
    };
  }
}
