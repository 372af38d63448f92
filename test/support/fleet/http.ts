/**
 * HTTP calls on a NEW connection each (agent: false): node:cluster hands out connections, not
 * requests, so a kept-alive connection would always reach the same worker.
 */
import * as http from 'node:http';

export interface Answer {
  status: number;
  body: any;
  headers: http.IncomingHttpHeaders;
}

export function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  const u = new URL(path, base);
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        agent: false,
        timeout: opts.timeoutMs ?? 30_000,
        headers: {
          ...(opts.token ? { 'private-token': opts.token } : {}),
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            /* keep text */
          }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** `n` calls at once (so node:cluster spreads them over the workers); their statuses. */
export async function statuses(n: number, fn: () => Promise<Answer>): Promise<number[]> {
  return (await Promise.all(Array.from({ length: n }, fn))).map((a) => a.status);
}
