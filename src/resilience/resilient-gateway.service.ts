import { Inject, Injectable } from '@nestjs/common';
import { BrokenCircuitError } from 'cockatiel';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import { rootLogger } from '../common/logging/logger';
import { GatewayClient } from '../gateway/gateway.client';
import type { UpstreamRequest, UpstreamResponse } from '../gateway/gateway.types';
import type { ModelSpec } from '../routing/routing.types';
import { BreakersService, NeutralOutcome } from './breakers.service';
import { RetryBudget } from './retry-budget';

/** A 5xx answer, thrown inside the breaker so it counts as a failure; carries the answer. */
export class UpstreamStatusError extends Error {
  constructor(readonly response: UpstreamResponse) {
    super(`AI Gateway answered ${response.status}`);
  }
}

export interface AttemptOutcome {
  response?: UpstreamResponse;
  /** Set when the attempt failed in a way failover may cover (5xx, timeout, connection, open breaker). */
  failure?: DomainError | UpstreamStatusError | BrokenCircuitError;
  retried: boolean;
}

const CONNECTION_ERROR = /unreachable|closed the connection/;

/**
 * One gateway attempt: through the model's circuit breaker when the caller passes `breakerFor`
 * (automatic failover; in manual mode nothing may block the primary but the flag), with a single
 * retry on connection errors before the first byte (never after streaming started; the retry
 * budget caps retries globally). Failures are returned, not thrown, so the caller can fail over.
 */
@Injectable()
export class ResilientGatewayService {
  private readonly budget = new RetryBudget();

  constructor(
    private readonly gateway: GatewayClient,
    private readonly breakers: BreakersService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    breakers.configure({
      threshold: config.failover.breakerThreshold,
      halfOpenAfterMs: config.failover.halfOpenAfterMs,
    });
  }

  async attempt(
    baseUrl: string,
    req: UpstreamRequest,
    breakerFor: Pick<ModelSpec, 'provider' | 'name'> | undefined,
  ): Promise<AttemptOutcome> {
    this.budget.recordRequest();
    let retried = false;
    const once = async (r: UpstreamRequest): Promise<UpstreamResponse> => {
      try {
        return await this.send(baseUrl, r);
      } catch (err) {
        if (isConnectionError(err) && !req.signal?.aborted && this.budget.tryRetry()) {
          retried = true;
          rootLogger.info(
            { path: req.path, err: (err as Error).message },
            'retrying gateway call once after a connection error',
          );
          return this.send(baseUrl, r);
        }
        throw err;
      }
    };
    try {
      const response = breakerFor
        ? await this.breakers.execute(breakerFor.provider, breakerFor.name, (probe) =>
            probe ? this.probe(req, once) : once(req),
          )
        : await once(req);
      if (req.signal?.aborted) {
        // A probe gets here with its client gone: the breaker has its verdict, the client ends
        // as cancelled.
        if (response.kind === 'stream') response.stream.destroy();
        throw new DomainError('client_closed_request', 'client closed the request');
      }
      return { response, retried };
    } catch (err) {
      if (err instanceof NeutralOutcome)
        return { response: err.original as UpstreamResponse, retried };
      if (err instanceof UpstreamStatusError || err instanceof BrokenCircuitError)
        return { failure: err, retried };
      if (
        err instanceof DomainError &&
        (err.code === 'upstream_unavailable' || err.code === 'upstream_timeout')
      ) {
        return { failure: err, retried };
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
    req: UpstreamRequest,
    once: (r: UpstreamRequest) => Promise<UpstreamResponse>,
  ): Promise<UpstreamResponse> {
    const res = await once({ ...req, signal: undefined });
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

function isConnectionError(err: unknown): boolean {
  return (
    err instanceof DomainError &&
    err.code === 'upstream_unavailable' &&
    CONNECTION_ERROR.test(err.message)
  );
}

/** What the client sees when no failover covers a failure. */
export function failureToResponse(
  failure: NonNullable<AttemptOutcome['failure']>,
): UpstreamResponse {
  if (failure instanceof UpstreamStatusError) return failure.response;
  if (failure instanceof BrokenCircuitError) {
    throw new DomainError(
      'upstream_unavailable',
      'AI Gateway model is failing (circuit open); try again shortly',
    );
  }
  throw failure;
}
