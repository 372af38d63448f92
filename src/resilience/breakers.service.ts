import { Injectable } from '@nestjs/common';
import {
  circuitBreaker,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
} from 'cockatiel';
import { DomainError } from '../common/errors/domain-error';
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

/**
 * One cockatiel circuit breaker per upstream (provider, model), fed by gateway answers: 5xx,
 * timeouts and connection errors count; 4xx caused by the request do not. Half-open lets one
 * request probe the primary; success closes the breaker, failure reopens it.
 */
@Injectable()
export class BreakersService implements BreakerView {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  private readonly listeners: BreakerListener[] = [];
  private readonly openedAt = new Map<string, number>();
  private settings: BreakerSettings = { threshold: 5, halfOpenAfterMs: 10_000 };

  configure(settings: Partial<BreakerSettings>): void {
    this.settings = { ...this.settings, ...settings };
    this.breakers.clear();
  }

  onStateChange(l: BreakerListener): void {
    this.listeners.push(l);
  }

  /**
   * Open and not yet due for a probe. cockatiel moves to half-open only when a call is made, so
   * once halfOpenAfter has passed we report "not open" and let the next request probe the primary
   * (concurrent ones are refused by the breaker and fail over within their request).
   */
  isOpen(provider: string, model: string): boolean {
    const k = key(provider, model);
    const state = this.breakers.get(k)?.state;
    if (state === CircuitState.Isolated) return true;
    if (state !== CircuitState.Open) return false;
    return Date.now() - (this.openedAt.get(k) ?? 0) < this.settings.halfOpenAfterMs;
  }

  get(provider: string, model: string): CircuitBreakerPolicy {
    const k = key(provider, model);
    let b = this.breakers.get(k);
    if (!b) {
      b = circuitBreaker(COUNTS_AS_FAILURE, {
        halfOpenAfter: this.settings.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(this.settings.threshold),
      });
      b.onStateChange((s) => {
        if (s === CircuitState.Open) this.openedAt.set(k, Date.now());
        rootLogger.warn({ upstream: k, state: STATE_NAMES[s] }, 'circuit breaker state changed');
        for (const l of this.listeners) l(k, STATE_NAMES[s]);
      });
      this.breakers.set(k, b);
    }
    return b;
  }

  states(): Record<string, BreakerStateName> {
    const out: Record<string, BreakerStateName> = {};
    for (const [k, b] of this.breakers) out[k] = STATE_NAMES[b.state];
    return out;
  }
}

const key = (provider: string, model: string) => `${provider}/${model}`;

/** A client that gives up (an IDE cancelling as the user types) says nothing about the model. */
const COUNTS_AS_FAILURE = handleWhen(
  (err: Error) => !(err instanceof DomainError && err.code === 'client_closed_request'),
);
