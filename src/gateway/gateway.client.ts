import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import axios, { AxiosError, AxiosInstance } from 'axios';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import { DomainError } from '../common/errors/domain-error';
import { Bulkhead } from './bulkhead';
import {
  GATEWAY_CLIENT_OPTIONS,
  type GatewayClientOptions,
  type UpstreamRequest,
  type UpstreamResponse,
} from './gateway.types';
import { nodeHttpAdapter } from './node-http.adapter';
import { idleGuardedStream, laneOf } from './upstream-stream';

const MAX_JSON_BYTES = 10 * 1024 * 1024;
const PASS_THROUGH = [(data: unknown) => data];

/** Calls one model may have in flight before the next fails fast with 503. */
export const DEFAULT_MAX_IN_FLIGHT_PER_MODEL = 256;
/** Longest silence between two chunks of a streamed answer before we end it. */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 55_000;

/**
 * The one HTTP client to the AI Gateway: keep-alive, a deadline for the first byte, an idle limit
 * between streamed chunks, cancellation, a per-model cap on calls in flight, and failures mapped
 * to clear domain errors (never a hang, never a bare 500).
 *
 * The agents have no socket cap on purpose: a shared cap let one hung model queue every other
 * model's calls behind it (275 hung code-gecko calls made a codestral call wait 8.8 s). Each
 * model (lane) is bounded by its own bulkhead instead, which refuses at once when full.
 */
@Injectable()
export class GatewayClient implements OnApplicationShutdown {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxFreeSockets: 256 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxFreeSockets: 256 });
  private readonly bulkhead: Bulkhead;
  private readonly streamIdleTimeoutMs: number;
  private readonly axios: AxiosInstance = axios.create({
    // The transport is a lean node:http adapter (see node-http.adapter.ts for why).
    adapter: nodeHttpAdapter({ http: this.httpAgent, https: this.httpsAgent }),
    responseType: 'stream',
    decompress: true,
    maxRedirects: 0,
    validateStatus: () => true,
    proxy: false,
    // The body is serialized once in send(); the answer is read as a stream below.
    transformRequest: PASS_THROUGH,
    transformResponse: PASS_THROUGH,
  });

  constructor(@Optional() @Inject(GATEWAY_CLIENT_OPTIONS) options?: GatewayClientOptions) {
    this.bulkhead = new Bulkhead(options?.maxInFlightPerModel ?? DEFAULT_MAX_IN_FLIGHT_PER_MODEL);
    this.streamIdleTimeoutMs = options?.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
    // Every request sets its own headers. Without the per-method default buckets, axios's
    // per-request config merge has far less to copy (it showed up in the completions profile).
    this.axios.defaults.headers = {} as typeof this.axios.defaults.headers;
  }

  /** Calls in flight per lane (model), for tests and diagnostics. */
  inFlight(lane: string): number {
    return this.bulkhead.count(lane);
  }

  async send(baseUrl: string, req: UpstreamRequest): Promise<UpstreamResponse> {
    const lane = req.lane ?? laneOf(req.path, req.body);
    const release = this.bulkhead.tryAcquire(lane);
    if (!release) {
      throw new DomainError(
        'upstream_unavailable',
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

  private async call(baseUrl: string, req: UpstreamRequest): Promise<UpstreamResponse> {
    const started = performance.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), req.timeoutMs);
    const onClientAbort = () => deadline.abort();
    req.signal?.addEventListener('abort', onClientAbort, { once: true });
    try {
      const res = await this.axios.request<Readable>({
        method: 'POST',
        url: baseUrl + req.path,
        data: JSON.stringify(req.body),
        headers: {
          ...req.headers,
          'content-type': 'application/json',
          accept: req.stream ? '*/*' : 'application/json',
        },
        signal: deadline.signal,
      });
      const headers = flatHeaders(res.headers);
      const upstreamMs = performance.now() - started;
      const ok = res.status >= 200 && res.status < 300;
      if (req.stream && ok) {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onClientAbort);
        // From here the client's disconnect destroys the stream (and the upstream socket).
        req.signal?.addEventListener('abort', () => res.data.destroy(), { once: true });
        return { kind: 'stream', status: res.status, headers, stream: res.data, upstreamMs };
      }
      const text = await readBody(res.data, MAX_JSON_BYTES);
      clearTimeout(timer);
      return {
        kind: 'json',
        status: res.status,
        headers,
        body: parseJson(text),
        upstreamMs: performance.now() - started,
      };
    } catch (err) {
      clearTimeout(timer);
      throw this.mapError(err, req, deadline.signal.aborted && !req.signal?.aborted);
    } finally {
      req.signal?.removeEventListener('abort', onClientAbort);
    }
  }

  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private mapError(err: unknown, req: UpstreamRequest, timedOut: boolean): DomainError {
    if (timedOut) {
      return new DomainError(
        'upstream_unavailable',
        `AI Gateway did not answer within ${Math.round(req.timeoutMs / 1000)} s`,
        {
          cause: err,
        },
      );
    }
    if (req.signal?.aborted) {
      return new DomainError('client_closed_request', 'client closed the request', { cause: err });
    }
    if (err instanceof DomainError) return err;
    const code = err instanceof AxiosError ? (err.code ?? 'ERR') : 'ERR';
    return new DomainError('upstream_unavailable', `AI Gateway is unreachable (${code})`, {
      cause: err,
    });
  }
}

function flatHeaders(h: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || v === null) continue;
    out[k.toLowerCase()] = headerText(v);
  }
  return out;
}

function headerText(v: unknown): string {
  if (Array.isArray(v)) return v.map(headerText).join(', ');
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function readBody(stream: Readable, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        stream.destroy();
        reject(new DomainError('upstream_unavailable', 'AI Gateway answer is too large'));
        return;
      }
      chunks.push(c);
    });
    stream.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.once('error', (err) =>
      reject(
        new DomainError('upstream_unavailable', 'AI Gateway closed the connection early', {
          cause: err,
        }),
      ),
    );
    stream.once('close', () => {
      if (!stream.readableEnded)
        reject(new DomainError('upstream_unavailable', 'AI Gateway closed the connection early'));
    });
  });
}

function parseJson(text: string): unknown {
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 2000) };
  }
}
