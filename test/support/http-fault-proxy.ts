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
  /** Requests the proxy itself failed to forward (answered 502), with the error code. */
  readonly broken: string[];
  close(): Promise<void>;
}

/** An HTTP pass-through proxy to `target` that can fail chosen requests, for partial-failure tests. */
export async function startHttpFaultProxy(target: string): Promise<HttpFaultProxy> {
  const upstream = new URL(target);
  const rules: Array<{ method: string; path: RegExp; status: number }> = [];
  const faulted: string[] = [];
  const seen: string[] = [];
  const broken: string[] = [];
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
        // A fresh connection per request. With the default keep-alive agent a request could
        // go out on a socket the upstream was just closing: ECONNRESET, answered 502 here, a
        // fault no test injected (it made unleash-store.spec.ts flaky on a loaded machine).
        agent: false,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', (err: NodeJS.ErrnoException) => {
      broken.push(`${line}: ${err.code ?? err.message}`);
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
    broken,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
