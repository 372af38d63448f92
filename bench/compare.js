'use strict';
/*
 * Before/after on the completions path, interleaved: one stack per build, all up at once, each
 * measured in turn for N rounds (32 connections, 6 s after 1 s of warm-up), with the bare proxy
 * and the floor of the first stack measured in every round too. Interleaving is what makes two
 * builds comparable on a shared machine: a run-to-run swing hits both alike.
 * CLI: `node bench/compare.js <rounds> <label> <checkout> [<label> <checkout> ...]`, e.g.
 *   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)
 *   node bench/compare.js 3 before /tmp/before after .
 * Each checkout needs `npm run build` (its dist/ is what runs). Prints to stderr (the services log
 * to stdout at info, as in production: add `>/dev/null`) one line per measurement
 * (label, req/s, service CPU ms per request on the main thread and on all threads, p50 ms).
 */
const path = require('node:path');
const { measure } = require('./lib/load');
const { cpuWindow } = require('./lib/cpu');

async function main() {
  const [rounds, ...pairs] = process.argv.slice(2);
  if (!(Number(rounds) > 0) || pairs.length < 2 || pairs.length % 2 !== 0) {
    throw new Error('usage: node bench/compare.js <rounds> <label> <checkout> [...]');
  }
  const stacks = [];
  try {
    for (let i = 0; i < pairs.length; i += 2) {
      const { startStack } = require(path.resolve(pairs[i + 1], 'bench/lib/stack'));
      stacks.push([pairs[i], await startStack({ directAccessUsers: 0, withBare: i === 0 })]);
    }
    const first = stacks[0][1];
    const targets = [
      ['bare proxy', first.bare.url, first.req.directV2, first.bare.pid, first.stub.pid],
      ['floor', first.floor.url, first.req.serviceV2, first.floor.pid, first.stub.pid],
      ...stacks.map(([label, s]) => [
        label,
        s.serviceUrl,
        s.req.serviceV2,
        s.service.pid,
        s.stub.pid,
      ]),
    ];
    for (let round = 1; round <= Number(rounds); round++) {
      for (const [label, url, req, pid, stubPid] of targets) {
        const r = await measure({
          url: url + req.path,
          headers: req.headers,
          body: req.body,
          connections: 32,
          durationS: 6,
          warmupS: 1,
          ...cpuWindow(pid, { stub: stubPid }),
        });
        const cpu = r.serviceCpu ?? {};
        process.stderr.write(
          `round ${round}  ${label.padEnd(12)} ${String(Math.round(r.rps)).padStart(6)} req/s  ` +
            `CPU ${cpu.mainMsPerRequest} ms main / ${cpu.msPerRequest} ms all  p50 ${r.latencyMs.p50} ms  non-2xx ${r.non2xx}\n`,
        );
      }
    }
  } finally {
    for (const [, s] of stacks) await s.close();
  }
}

main().catch((err) => {
  process.stderr.write(`compare failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
