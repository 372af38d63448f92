import { Injectable } from '@nestjs/common';
import { BrokenCircuitError } from 'cockatiel';
import { DomainError } from '../common/errors/domain-error';
import { rootLogger } from '../common/logging/logger';
import { GatewayClient } from '../gateway/gateway.client';
import {
  UpstreamFailure,
  type UpstreamFailureReason,
  type UpstreamRequest,
  type UpstreamResponse,
} from '../gateway/gateway.types';
import type { ModelSpec } from '../routing/routing.types';
import { BreakersService, NeutralOutcome } from './breakers.service';
import { RetryBudget } from './retry-budget';

/** A 5xx answer, thrown inside the breaker so it counts as a failure; carries the answer. */
export class UpstreamStatusError extends Error {
  constructor(readonly response: UpstreamResponse) {
    super(`AI Gateway answered ${response.status}`);
  }
}

/** Why an attempt failed in a way failover may cover. */
export type AttemptFailure =
  | { reason: 'upstream_status'; response: UpstreamResponse }
  | { reason: 'circuit_open' }
  | { reason: UpstreamFailureReason; error: UpstreamFailure };

export interface AttemptOutcome {
  response?: UpstreamResponse;
  failure?: AttemptFailure;
  retried: boolean;
}

/** Failures before the first byte of an answer: one retry may find a healthy connection. */
const RETRYABLE: ReadonlySet<UpstreamFailureReason> = new Set(['connect', 'early_close']);

/**
 * One gateway attempt: through the model's circuit breaker when the caller passes `breakerFor`
 * (automatic failover; in manual mode nothing may block the primary but the flag), with a single
 * retry on connection errors before the first byte (never after streaming started; the retry
 * budget caps retries globally). Failures are returned, not thrown, so the caller can fail over;
 * our own errors (a request we could not build) and client cancellations are thrown.
 */
@Injectable()
export class ResilientGatewayService {
  private readonly budget = new RetryBudget();

  constructor(
    private readonly gateway: GatewayClient,
    private readonly breakers: BreakersService,
  ) {}

  async attempt(
    baseUrl: string,
    req: UpstreamRequest,
    breakerFor: Pick<ModelSpec, 'provider' | 'name'> | undefined,
  ): Promise<AttemptOutcome> {
    this.budget.recordRequest();
    const state = { retried: false };
    try {
      const response = breakerFor
        ? await this.breakers.execute(breakerFor.provider, breakerFor.name, (probe) =>
            probe ? this.probe(baseUrl, req, state) : this.withRetry(baseUrl, req, state),
          )
        : await this.withRetry(baseUrl, req, state);
      if (req.signal?.aborted) {
        // A probe gets here with its client gone: the breaker has its verdict, the client ends
        // as cancelled.
        if (response.kind === 'stream') response.stream.destroy();
        throw new DomainError('client_closed_request', 'client closed the request');
      }
      return { response, retried: state.retried };
    } catch (err) {
      const failure = failureOf(err);
      if (failure === 'neutral')
        return {
          response: (err as NeutralOutcome).original as UpstreamResponse,
          retried: state.retried,
        };
      if (failure) return { failure, retried: state.retried };
      throw err;
    }
  }

  private async withRetry(
    baseUrl: string,
    req: UpstreamRequest,
    state: { retried: boolean },
  ): Promise<UpstreamResponse> {
    try {
      return await this.send(baseUrl, req);
    } catch (err) {
      if (
        err instanceof UpstreamFailure &&
        RETRYABLE.has(err.reason) &&
        !req.signal?.aborted &&
        this.budget.tryRetry()
      ) {
        state.retried = true;
        rootLogger.info(
          { path: req.path, reason: err.reason },
          'retrying gateway call once after a connection error',
        );
        return this.send(baseUrl, req);
      }
      throw err;
    }
  }

  /**
   * The half-open probe runs to its own timeout even if its client goes away: a cancelled probe
   * would otherwise say nothing about the model (and cockatiel would count it as a success).
   * The client's request still ends as cancelled, after the breaker has its verdict.
   */
  private async probe(
    baseUrl: string,
    req: UpstreamRequest,
    state: { retried: boolean },
  ): Promise<UpstreamResponse> {
    const res = await this.withRetry(baseUrl, { ...req, signal: undefined }, state);
    // The gateway client ties a stream to the client's signal; the probe's call had none.
    if (res.kind === 'stream')
      req.signal?.addEventListener('abort', () => res.stream.destroy(), { once: true });
    return res;
  }

  private async send(baseUrl: string, req: UpstreamRequest): Promise<UpstreamResponse> {
    const res = await this.gateway.send(baseUrl, req);
    // Rate limited upstream: the model is up but busy; neither a success nor a failure.
    if (res.status === 429) throw new NeutralOutcome(res);
    if (res.status >= 500) {
      if (res.kind === 'stream') res.stream.destroy();
      throw new UpstreamStatusError(
        res.kind === 'stream'
          ? { ...res, kind: 'json', body: { message: `AI Gateway answered ${res.status}` } }
          : res,
      );
    }
    return res;
  }
}

function failureOf(err: unknown): AttemptFailure | 'neutral' | undefined {
  if (err instanceof NeutralOutcome) return 'neutral';
  if (err instanceof UpstreamStatusError)
    return { reason: 'upstream_status', response: err.response };
  if (err instanceof BrokenCircuitError) return { reason: 'circuit_open' };
  if (err instanceof UpstreamFailure) return { reason: err.reason, error: err };
  return undefined;
}

/** What the client sees when no failover covers a failure. */
export function failureToResponse(failure: AttemptFailure): UpstreamResponse {
  switch (failure.reason) {
    case 'upstream_status':
      return failure.response;
    case 'circuit_open':
      throw new DomainError(
        'upstream_unavailable',
        'AI Gateway model is failing (circuit open); try again shortly',
      );
    case 'connect':
    case 'timeout':
    case 'early_close':
    case 'bulkhead_full':
    case 'oversized_answer':
      throw failure.error;
  }
}
