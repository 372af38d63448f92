import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { BreakersService, type BreakerStateName } from '../resilience/breakers.service';
import { RolloutGuardService } from '../resilience/rollout-guard.service';
import { GatewayModelsService } from '../code-suggestions/gateway-models.service';
import { RouteDeciderService } from '../code-suggestions/route-decider.service';
import { TrafficWindow } from './traffic-window';

export interface BreakerTransition {
  upstream: string;
  state: BreakerStateName;
  at: string;
}

const MAX_TRANSITIONS = 200;

/**
 * What the console shows that no existing endpoint keeps: answered requests per minute (the
 * labels the request metrics use, taken once the answer went out: the model that answered, as in
 * the last `code completion input:` line of the request), upstream attempts per model as the
 * rollout guard counts them, and recent circuit breaker transitions. In memory, per instance.
 */
@Injectable()
export class ConsoleStatsService implements OnModuleInit {
  readonly traffic = new TrafficWindow();
  private readonly transitions: BreakerTransition[] = [];
  private breakers!: BreakersService;
  private guard!: RolloutGuardService;

  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly modules: ModuleRef,
    readonly router: RouteDeciderService,
    readonly gatewayModels: GatewayModelsService,
  ) {}

  onModuleInit(): void {
    // The code-suggestions module keeps its breakers and guard private; reading them here (not
    // exporting them) keeps this console out of that module's wiring.
    this.breakers = this.modules.get(BreakersService, { strict: false });
    this.guard = this.modules.get(RolloutGuardService, { strict: false });
    this.breakers.onStateChange((upstream, state) => {
      this.transitions.push({ upstream, state, at: new Date().toISOString() });
      if (this.transitions.length > MAX_TRANSITIONS) this.transitions.shift();
    });
    this.guard.onAttempt((model, ok, ms) =>
      this.traffic.recordAttempt({
        at: Date.now(),
        upstream: `${model.provider}/${model.name}`,
        ok,
        ms,
      }),
    );
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
}
