import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { DomainError } from '../common/errors/domain-error';
import { Bulkhead } from './bulkhead';
import {
  GATEWAY_CLIENT_OPTIONS,
  UpstreamFailure,
  UpstreamRequestError,
  type GatewayClientOptions,
  type UpstreamRequest,
  type UpstreamResponse,
} from './gateway.types';
import { decodedBody, flatHeaders, readJsonBody } from './upstream-body';
import { idleGuardedStream, laneOf } from './upstream-stream';

/** Calls one model may have in flight before the next fails fast with 503. */
export const DEFAULT_MAX_IN_FLIGHT_PER_MODEL = 256;
/** Longest silence between two chunks of a streamed answer before we end it. */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 55_000;
const KEEP_ALIVE_MS = 60_000;

/**
 * The one HTTP client to the AI Gateway on the typing path: an undici `Pool` per gateway origin
 * (keep-alive, the answer as a stream, abort on client disconnect), a deadline for the first byte,
 * an idle limit between streamed chunks, a per-model cap on calls in flight, and failures typed
 * by reason (never a hang, never a bare 500).
 *
 * Why undici and not axios: the HTTP client was the largest single cost per completion (axios
 * ran at 18–23 % of a bare proxy's throughput where undici reached 56–70 %, bench/RESULTS.md).
 *
 * The pools have no connection cap on purpose: a shared cap let one hung model queue every other
 * model's calls behind it (275 hung code-gecko calls made a codestral call wait 8.8 s). Each model
 * (lane) is bounded by its own bulkhead instead, which refuses at once when full, so the sockets
 * are bounded by lanes × capacity.
 */
@Injectable()
export class GatewayClient implements OnApplicationShutdown {
  /** Per base URL: the origin's pool and the URL's path prefix (a gateway behind a path). */
  private readonly pools = new Map<string, { pool: Pool; prefix: string }>();
  private readonly bulkhead: Bulkhead;
  private readonly streamIdleTimeoutMs: number;

  constructor(@Optional() @Inject(GATEWAY_CLIENT_OPTIONS) options?: GatewayClientOptions) {
    this.bulkhead = new Bulkhead(options?.maxInFlightPerModel ?? DEFAULT_MAX_IN_FLIGHT_PER_MODEL);
    this.streamIdleTimeoutMs = options?.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
  }

  /** Calls in flight per lane (model), for tests and diagnostics. */
  inFlight(lane: string): number {
    return this.bulkhead.count(lane);
  }

  async send(baseUrl: string, req: UpstreamRequest): Promise<UpstreamResponse> {
    const lane = req.lane ?? laneOf(req.path, req.body);
    const release = this.bulkhead.tryAcquire(lane);
    if (!release) {
      throw new UpstreamFailure(
        'bulkhead_full',
        `AI Gateway model ${lane} has too many requests in flight; try again shortly`,
      );
    }
    let handedOff = false;
    try {
      const res = await this.call(baseUrl, req);
      if (res.kind !== 'stream') return res;
      handedOff = true;
      // The slot is held until the stream is over, however it ends.
      return {
        ...res,
        stream: idleGuardedStream(res.stream, this.streamIdleTimeoutMs, release),
      };
    } finally {
      if (!handedOff) release();
    }
  }

  onApplicationShutdown(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    return Promise.all(pools.map((p) => p.pool.destroy())).then(() => undefined);
  }

  private async call(baseUrl: string, req: UpstreamRequest): Promise<UpstreamResponse> {
    const started = performance.now();
    const cancel = new CallCancellation(req.timeoutMs, req.signal);
    let answered = false;
    try {
      const { pool, prefix } = this.pool(baseUrl);
      const res = await pool.request({
        method: 'POST',
        path: prefix + req.path,
        body: JSON.stringify(req.body),
        headers: {
          ...req.headers,
          'content-type': 'application/json',
          accept: req.stream ? '*/*' : 'application/json',
        },
        signal: cancel.emitter,
      });
      answered = true;
      const headers = flatHeaders(res.headers);
      const body = decodedBody(res.body, headers);
      if (req.stream && res.statusCode >= 200 && res.statusCode < 300) {
        cancel.keepForStream();
        return {
          kind: 'stream',
          status: res.statusCode,
          headers,
          stream: body,
          upstreamMs: performance.now() - started,
        };
      }
      const parsed = await readJsonBody(body);
      cancel.dispose();
      return {
        kind: 'json',
        status: res.statusCode,
        headers,
        body: parsed,
        upstreamMs: performance.now() - started,
      };
    } catch (err) {
      cancel.dispose();
      throw failureOf(err, req, answered, cancel.timedOut && !req.signal?.aborted);
    }
  }

  private pool(baseUrl: string): { pool: Dispatcher; prefix: string } {
    let entry = this.pools.get(baseUrl);
    if (!entry) {
      let origin: URL;
      try {
        origin = new URL(baseUrl);
      } catch (err) {
        throw new UpstreamFailure('connect', 'AI Gateway URL is not a valid URL', err);
      }
      if (origin.protocol !== 'http:' && origin.protocol !== 'https:')
        throw new UpstreamFailure('connect', `AI Gateway URL has protocol ${origin.protocol}`);
      const pool = new Pool(origin.origin, {
        keepAliveTimeout: KEEP_ALIVE_MS,
        // Our own deadline (req.timeoutMs) and the stream idle guard bound every call.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      entry = { pool, prefix: origin.pathname.replace(/\/+$/, '') };
      this.pools.set(baseUrl, entry);
    }
    return entry;
  }
}

/**
 * What cancels one call: its deadline, or the client going away. undici takes an EventEmitter
 * as the signal too ('abort' cancels the call, and after the headers the body, i.e. the stream):
 * cheaper per call than an AbortController and its EventTarget.
 */
class CallCancellation {
  readonly emitter = new EventEmitter();
  timedOut = false;
  private cancelled = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    timeoutMs: number,
    private readonly client: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = !this.cancelled;
      this.abort();
    }, timeoutMs);
    client?.addEventListener('abort', this.abort, { once: true });
  }

  /** A stream was handed off: the deadline is over, the client can still cancel it. */
  keepForStream(): void {
    clearTimeout(this.timer);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.client?.removeEventListener('abort', this.abort);
  }

  private readonly abort = (): void => {
    if (this.cancelled) return;
    this.cancelled = true;
    this.emitter.emit('abort');
  };
}

/** The typed failure of a call that produced no usable answer. */
function failureOf(
  err: unknown,
  req: UpstreamRequest,
  answered: boolean,
  timedOut: boolean,
): Error {
  if (timedOut) {
    return new UpstreamFailure(
      'timeout',
      `AI Gateway did not answer within ${Math.round(req.timeoutMs / 1000)} s`,
      err,
    );
  }
  if (req.signal?.aborted)
    return new DomainError('client_closed_request', 'client closed the request', { cause: err });
  if (err instanceof DomainError || err instanceof UpstreamRequestError) return err;
  if (err instanceof undiciErrors.InvalidArgumentError)
    return new UpstreamRequestError(`could not build the AI Gateway request: ${err.message}`, err);
  if (answered)
    return new UpstreamFailure('early_close', 'AI Gateway closed the connection early', err);
  const code = (err as { code?: unknown }).code;
  return new UpstreamFailure(
    'connect',
    `AI Gateway is unreachable (${typeof code === 'string' ? code : 'ERR'})`,
    err,
  );
}
