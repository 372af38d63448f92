import {
  AxiosError,
  AxiosHeaders,
  CanceledError,
  type AxiosAdapter,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';

export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * A lean axios adapter for the gateway hot path: one `node:http(s)` request on a keep-alive agent,
 * the body sent as given (a string or Buffer), the answer handed back as a stream.
 *
 * Why: profiling the completions benchmark showed axios's default http adapter spending ~0.2 ms of
 * CPU per call (re-normalising headers, `setKeepAlive` on every socket, proxy and redirect
 * handling we switch off anyway). axios stays the client (config, errors, interceptors); only the
 * transport is this function. Redirects are not followed (3xx is passed through, as with
 * `maxRedirects: 0`), no proxy is used, and gzip/deflate/br answers are decompressed.
 */
export function nodeHttpAdapter(agents: Agents): AxiosAdapter {
  return (config: InternalAxiosRequestConfig) =>
    new Promise<AxiosResponse>((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(config.url ?? '', config.baseURL);
      } catch (err) {
        reject(AxiosError.from(err, AxiosError.ERR_INVALID_URL, config));
        return;
      }
      const secure = url.protocol === 'https:';
      if (!secure && url.protocol !== 'http:') {
        reject(
          new AxiosError(
            `unsupported protocol ${url.protocol}`,
            AxiosError.ERR_BAD_REQUEST,
            config,
          ),
        );
        return;
      }
      const data: unknown = config.data;
      if (data !== undefined && typeof data !== 'string' && !Buffer.isBuffer(data)) {
        reject(
          new AxiosError(
            'request body must be serialized before it is sent',
            AxiosError.ERR_BAD_REQUEST,
            config,
          ),
        );
        return;
      }
      const headers = AxiosHeaders.from(config.headers).toJSON(true) as http.OutgoingHttpHeaders;
      if (data !== undefined) headers['content-length'] = Buffer.byteLength(data);

      const options: http.RequestOptions = {
        protocol: url.protocol,
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: (config.method ?? 'get').toUpperCase(),
        headers,
        agent: secure ? agents.https : agents.http,
        signal: config.signal as AbortSignal | undefined,
      };
      const req = (secure ? https : http).request(options, (res) => {
        resolve({
          data: config.decompress === false ? res : decoded(res),
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: res.headers as AxiosResponse['headers'],
          config,
          request: req,
        });
      });
      req.once('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError') reject(new CanceledError(undefined, config, req));
        else reject(AxiosError.from(err, err.code, config, req));
      });
      req.end(data);
    });
}

/** The answer's body with its content-encoding undone; errors and early closes carry over. */
function decoded(res: http.IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (!decoder) return res;
  delete res.headers['content-encoding'];
  delete res.headers['content-length'];
  res.once('error', (err) => decoder.destroy(err));
  res.once('close', () => {
    if (!res.readableEnded) decoder.destroy(new Error('AI Gateway closed the connection early'));
  });
  decoder.once('close', () => res.destroy());
  return res.pipe(decoder);
}
