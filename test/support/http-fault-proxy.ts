import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpFaultProxy {
  url: string;
  /** The next request matching method and path pattern is answered `status` instead of forwarded. */
  failNext(method: string, path: RegExp, status?: number): void;
  /** Requests answered with an injected fault so far (method and path). */
  readonly faulted: string[];
  /** Every request seen (method and path), forwarded or not. */
  readonly seen: string[];
  close(): Promise<void>;
}

/** An HTTP pass-through proxy to `target` that can fail chosen requests, for partial-failure tests. */
export async function startHttpFaultProxy(target: string): Promise<HttpFaultProxy> {
  const upstream = new URL(target);
  const rules: Array<{ method: string; path: RegExp; status: number }> = [];
  const faulted: string[] = [];
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    seen.push(line);
    const i = rules.findIndex((r) => r.method === req.method && r.path.test(req.url ?? ''));
    if (i >= 0) {
      const [rule] = rules.splice(i, 1);
      faulted.push(line);
      req.resume();
      res.writeHead(rule.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'injected fault' }));
      return;
    }
    const out = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failNext: (method, path, status = 500) => rules.push({ method, path, status }),
    faulted,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
