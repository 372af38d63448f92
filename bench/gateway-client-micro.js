'use strict';
/*
 * Diagnostic for the completions finding: CPU per upstream call of the service's GatewayClient.send
 * (undici since 2026-12-04; axios when the finding was made) vs a plain node:http request with a keep-alive agent, same stub, same v2 body and headers,
 * 8 calls in flight, measured with process.cpuUsage() (the stub runs in its own process).
 * `npm run build && node bench/gateway-client-micro.js [calls=5000]`
 */
const http = require('node:http');
const { GatewayClient } = require('../dist/src/gateway/gateway.client');
const { startStack } = require('./lib/stack');

async function main() {
  const N = Number(process.argv[2] ?? 5000);
  const s = await startStack({ withBare: false, directAccessUsers: 0 });
  const client = new GatewayClient();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const d = s.req.directV2;
    const body = JSON.parse(d.body);
    const u = new URL(s.stub.url);
    const plain = () =>
      new Promise((resolve, reject) => {
        const payload = JSON.stringify(body);
        const headers = {
          ...d.headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        };
        const r = http.request(
          { host: u.hostname, port: u.port, path: d.path, method: 'POST', agent, headers },
          (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
          },
        );
        r.on('error', reject);
        r.end(payload);
      });
    const viaAxios = () =>
      client.send(s.stub.url, {
        path: d.path,
        body,
        headers: d.headers,
        stream: false,
        timeoutMs: 55_000,
        signal: new AbortController().signal,
      });
    const out = [];
    for (const [name, fn] of [
      ['GatewayClient.send (axios)', viaAxios],
      ['node:http', plain],
      ['GatewayClient.send (axios)', viaAxios],
      ['node:http', plain],
    ]) {
      for (let i = 0; i < 500; i++) await fn();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let n = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (n < N) {
            n++;
            await fn();
          }
        }),
      );
      const cpu = process.cpuUsage(c0);
      const row = {
        name,
        cpuUsPerCall: Math.round((cpu.user + cpu.system) / N),
        callsPerSec: Math.round(N / ((performance.now() - t0) / 1000)),
      };
      out.push(row);
      process.stdout.write(
        `${row.name.padEnd(28)} CPU ${String(row.cpuUsPerCall).padStart(5)} µs/call  ${row.callsPerSec} calls/s\n`,
      );
    }
  } finally {
    await client.onApplicationShutdown();
    agent.destroy();
    await s.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exit(1);
  },
);
