'use strict';
/*
 * `node bench/direct-access.js` (after `npm run build`): only the direct_access part of the bench.
 * Tokens/s with one user (cache hits) and with distinct users (cache misses: every token signed),
 * at 8 and 32 connections, and the signing cost alone (in-process JwtIssuerService.issue and raw
 * crypto.sign), and distinct users whose identity is already cached (signing only).
 * Knobs: BENCH_DA_USERS (2000, split between the connection counts and the two user kinds),
 * BENCH_DURATION_SECONDS (10), BENCH_WARMUP_SECONDS (2), BENCH_MICRO_MS (2000).
 */
const {
  measureDistinctUsers,
  measureOneUser,
  measureWarmDistinctUsers,
} = require('./lib/direct-access');
const { cpuWindow } = require('./lib/cpu');
const { runInProcess } = require('./lib/inprocess');
const { startStack } = require('./lib/stack');

const num = (v, d) => (v === undefined || v === '' ? d : Number(v));
const users = num(process.env.BENCH_DA_USERS, 2000);
const durationS = num(process.env.BENCH_DURATION_SECONDS, 10);
const warmupS = num(process.env.BENCH_WARMUP_SECONDS, 2);
const microMs = num(process.env.BENCH_MICRO_MS, 2000);
const log = (m) =>
  process.stderr.write(`[bench-da ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

async function main() {
  const stack = await startStack({ withBare: false, directAccessUsers: users, log });
  const rows = [];
  try {
    const one = { ...stack.req.directAccess, url: stack.serviceUrl + stack.req.directAccess.path };
    const many = stack.req.directAccessDistinct;
    const manyReq = { ...many, url: stack.serviceUrl + many.path };
    const conns = [8, 32];
    const share = Math.floor(many.tokens.length / (2 * conns.length));
    const window = () => cpuWindow(stack.service.pid, { stub: stack.stub.pid });
    for (const [k, connections] of conns.entries()) {
      log(`one user, ${connections} connections, ${durationS} s`);
      const h = await measureOneUser(one, { connections, durationS, warmupS, ...window() });
      rows.push(row(`1 user (cache hits), ${connections} conns`, h));
      const tokens = many.tokens.slice(k * share, (k + 1) * share);
      log(`${tokens.length} distinct users, ${connections} connections`);
      const m = await measureDistinctUsers(manyReq, tokens, { connections, ...window() });
      rows.push(
        row(`${tokens.length} users first seen (signed + database), ${connections} conns`, m),
      );
      const warm = many.tokens.slice((k + conns.length) * share, (k + conns.length + 1) * share);
      log(`${warm.length} distinct users, identity cached, ${connections} connections`);
      const w = await measureWarmDistinctUsers(manyReq, warm, { connections, ...window() });
      rows.push(row(`${warm.length} users identity cached (signed), ${connections} conns`, w));
    }
  } finally {
    await stack.close();
  }
  log('signing alone (in-process)');
  const s = (await runInProcess({ stubUrl: 'http://127.0.0.1:9', ms: microMs })).signing;
  rows.push({
    what: 'JwtIssuerService.issue, 1 in flight',
    perS: s.jwtIssuerIssueSequential.opsPerSec,
  });
  rows.push({
    what: 'JwtIssuerService.issue, 8 in flight',
    perS: s.jwtIssuerIssueConcurrent8.opsPerSec,
  });
  rows.push({
    what: 'crypto.sign RS256 (sync, 1 thread)',
    perS: s.rawRs256SignSyncOneThread.opsPerSec,
  });
  console.table(rows);
}

function row(what, r) {
  return {
    what,
    perS: r.rps,
    p50Ms: r.latencyMs.p50,
    p99Ms: r.latencyMs.p99,
    non2xx: r.non2xx,
    cpuMsPerReq: r.serviceCpu?.msPerRequest,
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
