'use strict';
/*
 * Reproduction found while benchmarking (see RESULTS.md): client disconnects count as upstream
 * failures in the circuit breaker. The stub is made slow (1 s), 8 completion requests are sent and
 * abandoned by the client after 100 ms (an IDE cancelling as the user types; autocannon stopping),
 * then one normal request is sent: it goes to the failover model although the gateway never failed.
 * `npm run build && node bench/repro-breaker-abort.js` (exit code 1 when the bug is present)
 */
const http = require('node:http');
const { startStack } = require('./lib/stack');
const { request, sleep } = require('./lib/util');

async function main() {
  const s = await startStack({ withBare: false, directAccessUsers: 0, logLevel: 'warn' });
  try {
    await request(`${s.stub.url}/stub/faults`, {
      method: 'POST',
      body: { latencyMs: 1000, api: 'v2' },
    });
    const q = s.req.serviceV2;
    const u = new URL(s.serviceUrl + q.path);
    await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise((resolve) => {
            const headers = { ...q.headers, 'content-length': Buffer.byteLength(q.body) };
            const r = http.request(
              { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers },
              () => undefined,
            );
            r.on('error', () => resolve());
            r.end(q.body);
            setTimeout(() => {
              r.destroy();
              resolve();
            }, 100);
          }),
      ),
    );
    await sleep(1500);
    await request(`${s.stub.url}/stub/faults`, { method: 'DELETE' });
    const r = await request(s.serviceUrl + q.path, {
      method: 'POST',
      headers: q.headers,
      body: q.body,
    });
    const seen = (await request(`${s.stub.url}/stub/requests`)).body;
    const last = seen[seen.length - 1];
    const model = `${last.body.model_provider}/${last.body.model_name}`;
    process.stdout.write(
      `after 8 client aborts, the next request: ${r.status}, upstream ${last.path} model ${model}\n`,
    );
    return model === 'vertex-ai/code-gecko@002';
  } finally {
    await s.close();
  }
}

main().then(
  (ok) => {
    process.stdout.write(
      ok
        ? 'OK: client aborts did not open the breaker\n'
        : 'BUG: client aborts opened the breaker (failover to the backup model)\n',
    );
    process.exit(ok ? 0 : 1);
  },
  (err) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exit(2);
  },
);
