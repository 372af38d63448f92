import type { Readable } from 'node:stream';
import { DomainError } from '../common/errors/domain-error';

/** The gateway base URL in force now: settings' ai_gateway_url, else AIGW_URL, else the built-in stub. */
export { GATEWAY_BASE_URL, type GatewayBaseUrl } from '../tokens/tokens.tokens';

/**
 * Why a gateway call failed without an answer. Callers switch on it (retry on `connect` and
 * `early_close`, fail over on all), never on the message text.
 */
export type UpstreamFailureReason =
  'connect' | 'timeout' | 'early_close' | 'bulkhead_full' | 'oversized_answer';

/** The gateway (or the way to it) failed: a 503 for the client, a failure for the breaker. */
export class UpstreamFailure extends DomainError {
  constructor(
    readonly reason: UpstreamFailureReason,
    message: string,
    cause?: unknown,
  ) {
    super('upstream_unavailable', message, { cause });
    this.name = 'UpstreamFailure';
  }
}

/**
 * We could not build the call (a header value that cannot be encoded, say): our fault, not the
 * gateway's. Not a DomainError, so the filter answers 500 with an error id; never a breaker
 * failure, never a retry or failover.
 */
export class UpstreamRequestError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'UpstreamRequestError';
  }
}

export interface UpstreamRequest {
  path: string;
  body: unknown;
  headers: Record<string, string>;
  stream: boolean;
  /** Aborts the upstream call (client went away, or our deadline). */
  signal?: AbortSignal;
  timeoutMs: number;
  /**
   * Which bulkhead the call counts against; default: the model named in the body
   * (`provider/name`), else the path (v4 without `model_metadata`: the gateway picks).
   */
  lane?: string;
}

/** Tuning of the gateway client (GatewayModule fills it from the validated config). */
export interface GatewayClientOptions {
  /** Calls one lane (model) may have in flight; more fail fast with 503. Default 256. */
  maxInFlightPerModel?: number;
  /** Longest gap between two streamed chunks before the stream is ended. Default 55,000 ms. */
  streamIdleTimeoutMs?: number;
}

export const GATEWAY_CLIENT_OPTIONS = Symbol('GATEWAY_CLIENT_OPTIONS');

export type UpstreamResponse =
  | {
      kind: 'json';
      status: number;
      headers: Record<string, string>;
      body: unknown;
      upstreamMs: number;
    }
  | {
      kind: 'stream';
      status: number;
      headers: Record<string, string>;
      stream: Readable;
      upstreamMs: number;
    };

/** Headers a client may send that we pass on to the gateway; every other client header is dropped. */
export const FORWARDED_CLIENT_HEADERS = [
  'user-agent',
  'x-gitlab-language-server-version',
  'x-gitlab-client-type',
  'x-gitlab-client-version',
  'x-gitlab-client-name',
  'x-gitlab-interface',
] as const;
