import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
} from 'cockatiel';
import { DomainError } from '../common/errors/domain-error';
import { UpstreamRequestError } from '../gateway/gateway.types';
import { rootLogger } from '../common/logging/logger';
import type { BreakerView } from '../routing/routing.types';

export type BreakerStateName = 'closed' | 'open' | 'half_open' | 'isolated';

export interface BreakerSettings {
  /** Consecutive failures that open a breaker. */
  threshold: number;
  /** Time after which an open breaker lets one probe through (half-open). */
  halfOpenAfterMs: number;
}

const STATE_NAMES: Record<CircuitState, BreakerStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

export type BreakerListener = (key: string, state: BreakerStateName) => void;

/** Optional `Partial<BreakerSettings>`: ResilienceModule fills it from the validated config. */
export const BREAKER_SETTINGS = Symbol('BREAKER_SETTINGS');
/** Optional provider of the breakers' clock (ms); tests move time instead of sleeping. */
export const BREAKERS_CLOCK = Symbol('BREAKERS_CLOCK');

/**
 * An outcome that says nothing about the model's health (the client cancelled, the gateway
 * answered 429). Thrown inside the breaker it is neither a success nor a failure while closed;
 * `execute` unwraps it and rethrows `original` (or the caller turns it back into its answer).
 */
export class NeutralOutcome extends Error {
  constructor(readonly original: unknown) {
    super('outcome neutral for the circuit breaker');
  }
}

/**
 * One cockatiel circuit breaker per upstream (provider, model), fed by gateway answers: 5xx,
 * timeouts and connection errors count; 4xx caused by the request do not. Half-open lets one
 * request probe the primary; success closes the breaker, failure reopens it.
 *
 * Two cockatiel behaviours are worked around in `execute`: its half-open probe treats an error
 * the policy does not handle as a success (closing the breaker), and calls made while a probe is
 * in flight wait for that probe instead of being refused. cockatiel reads Date.now itself, so it
 * is told `halfOpenAfter: 0` and the wait before a probe is timed here, on the injected clock.
 */
@Injectable()
export class BreakersService implements BreakerView {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  private readonly listeners: BreakerListener[] = [];
  private readonly openedAt = new Map<string, number>();
  private settings: BreakerSettings = { threshold: 5, halfOpenAfterMs: 10_000 };

  constructor(
    @Optional() @Inject(BREAKER_SETTINGS) settings?: Partial<BreakerSettings>,
    @Optional() @Inject(BREAKERS_CLOCK) private readonly now: () => number = Date.now,
  ) {
    if (settings) this.configure(settings);
  }

  /** New settings (drops every breaker's state): tests tune one instance with it. */
  configure(settings: Partial<BreakerSettings>): void {
    this.settings = { ...this.settings, ...settings };
    this.breakers.clear();
  }

  onStateChange(l: BreakerListener): void {
    this.listeners.push(l);
  }

  /**
   * Routing: send this model's requests to the backup. True while open and not yet due for a
   * probe, and while a probe is in flight (half-open: `execute` would refuse them anyway). Once
   * halfOpenAfter has passed we report "not open" so the next request probes the primary;
   * concurrent ones that reach `execute` after it are refused at once and fail over.
   */
  isOpen(provider: string, model: string): boolean {
    const k = key(provider, model);
    const state = this.breakers.get(k)?.state;
    if (state === CircuitState.Isolated || state === CircuitState.HalfOpen) return true;
    if (state !== CircuitState.Open) return false;
    return !this.dueForProbe(k);
  }

  /** The state as `states()` names it (closed until the model has a breaker). */
  state(provider: string, model: string): BreakerStateName {
    const b = this.breakers.get(key(provider, model));
    return b ? STATE_NAMES[b.state] : 'closed';
  }

  /**
   * Direct access: only once the breaker is closed again. A direct-access token lasts an hour,
   * so "due for a probe" is not enough: no probe has succeeded yet.
   */
  isClosed(provider: string, model: string): boolean {
    const state = this.breakers.get(key(provider, model))?.state;
    return state === undefined || state === CircuitState.Closed;
  }

  /**
   * Runs one upstream call through the model's breaker. `fn(probe)` is told whether it is the
   * half-open probe, so it can keep going when its client goes away (the probe's answer is about
   * the model, not the client).
   */
  async execute<T>(
    provider: string,
    model: string,
    fn: (probe: boolean) => Promise<T>,
  ): Promise<T> {
    const k = key(provider, model);
    const b = this.get(provider, model);
    // cockatiel would make this call await the probe (up to the attempt timeout): refuse it so
    // the caller fails over now.
    if (b.state === CircuitState.HalfOpen)
      throw new BrokenCircuitError('half-open probe in flight');
    const probe = b.state === CircuitState.Open;
    if (probe && !this.dueForProbe(k)) throw new BrokenCircuitError('circuit open');
    try {
      return await b.execute(async () => {
        try {
          return await fn(probe);
        } catch (err) {
          // cockatiel closes the breaker when a probe throws an error the policy does not
          // handle; an inconclusive probe must re-open it instead (handled: see COUNTS_AS_FAILURE).
          if (probe && !countsAsFailure(err)) throw new InconclusiveProbe(err);
          throw err;
        }
      });
    } catch (err) {
      if (err instanceof InconclusiveProbe) throw err.original;
      throw err;
    }
  }

  get(provider: string, model: string): CircuitBreakerPolicy {
    const k = key(provider, model);
    let b = this.breakers.get(k);
    if (!b) {
      b = circuitBreaker(COUNTS_AS_FAILURE, {
        halfOpenAfter: 0, // the wait is timed by dueForProbe (see the class comment)
        breaker: new ConsecutiveBreaker(this.settings.threshold),
      });
      b.onStateChange((s) => {
        if (s === CircuitState.Open) this.openedAt.set(k, this.now());
        rootLogger.warn({ upstream: k, state: STATE_NAMES[s] }, 'circuit breaker state changed');
        for (const l of this.listeners) l(k, STATE_NAMES[s]);
      });
      this.breakers.set(k, b);
    }
    return b;
  }

  /**
   * State per upstream: every model in `models` (closed until it has a breaker, so explain shows
   * the whole catalogue, not only the models used since boot), plus any other breaker.
   */
  states(
    models: Iterable<{ provider: string; name: string }> = [],
  ): Record<string, BreakerStateName> {
    const out: Record<string, BreakerStateName> = {};
    for (const m of models) out[key(m.provider, m.name)] = 'closed';
    for (const [k, b] of this.breakers) out[k] = STATE_NAMES[b.state];
    return out;
  }

  private dueForProbe(k: string): boolean {
    return this.now() - (this.openedAt.get(k) ?? 0) >= this.settings.halfOpenAfterMs;
  }
}

const key = (provider: string, model: string) => `${provider}/${model}`;

/** A probe that ended without a verdict: handled by the policy, so it re-opens the breaker. */
class InconclusiveProbe extends Error {
  constructor(readonly original: unknown) {
    super('half-open probe ended without a verdict');
  }
}

/**
 * A client that gives up (an IDE cancelling as the user types) says nothing about the model, and
 * neither does a request we could not build (our fault, not the model's).
 */
function countsAsFailure(err: unknown): boolean {
  if (err instanceof NeutralOutcome || err instanceof UpstreamRequestError) return false;
  return !(err instanceof DomainError && err.code === 'client_closed_request');
}

const COUNTS_AS_FAILURE = handleWhen((err: Error) => countsAsFailure(err));
