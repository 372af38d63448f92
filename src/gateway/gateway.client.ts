import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import axios, { AxiosError, AxiosInstance } from 'axios';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import { DomainError } from '../common/errors/domain-error';
import type { UpstreamRequest, UpstreamResponse } from './gateway.types';
import { nodeHttpAdapter } from './node-http.adapter';

const MAX_JSON_BYTES = 10 * 1024 * 1024;
const PASS_THROUGH = [(data: unknown) => data];

/**
 * The one HTTP client to the AI Gateway: keep-alive, a deadline for the first byte, cancellation,
 * and failures mapped to clear domain errors (never a hang, never a bare 500).
 */
@Injectable()
export class GatewayClient implements OnApplicationShutdown {
  private readonly httpAgent = new http.Agent({
    keepAlive: true,
    maxSockets: 256,
    maxFreeSockets: 64,
  });
  private readonly httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 256,
    maxFreeSockets: 64,
  });
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

  constructor() {
    // Every request sets its own headers. Without the per-method default buckets, axios's
    // per-request config merge has far less to copy (it showed up in the completions profile).
    this.axios.defaults.headers = {} as typeof this.axios.defaults.headers;
  }

  async send(baseUrl: string, req: UpstreamRequest): Promise<UpstreamResponse> {
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
