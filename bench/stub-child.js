'use strict';
/*
 * The stub AI Gateway in its own process (so it does not share the parent's event loop with
 * autocannon). Forked by bench/run.js; env BENCH_TRUSTED_ISSUER = the service's URL.
 * Reports {ready, url} over IPC and exits when the parent goes away.
 */
const { startStubGateway } = require('../dist/src/stub-gateway/stub-gateway');

async function main() {
  const issuer = process.env.BENCH_TRUSTED_ISSUER;
  if (!issuer) throw new Error('BENCH_TRUSTED_ISSUER is required');
  const stub = await startStubGateway({
    host: '127.0.0.1',
    port: 0,
    trustedIssuers: () => [issuer],
    // Keep the request recorder small: the bench reads back only the last few requests.
    maxRecordedRequests: 20,
    streamChunkDelayMs: Number(process.env.BENCH_STUB_STREAM_DELAY_MS ?? 5),
  });
  process.send?.({ ready: true, url: stub.url });
  const stop = () => void stub.close().then(() => process.exit(0));
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`stub child failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
