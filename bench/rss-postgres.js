'use strict';
/*
 * Memory of the service with DATABASE_URL (PostgreSQL) instead of the embedded PGlite, against
 * issue #13's goal for it: RSS after the load <= 150 MB (the embedded default's is 250 MB,
 * judged by `npm run bench`; PGlite alone is ~300 MB). Same stack as `npm run bench`
 * (stub gateway child, service child, two seated users), on a fresh database created on the
 * server of BENCH_DATABASE_URL (default: TEST_DATABASE_URL, which scripts/test-postgres.sh prints) and dropped
 * afterwards. Reports RSS idle, at peak during completions at 8 and 32 connections, and after.
 * `npm run build && scripts/test-postgres.sh start && node bench/rss-postgres.js`
 * BENCH_EMBEDDED=1 measures the same on the embedded PGlite instead (no server needed; the
 * service is restarted once on its DATA_DIR, as `npm run bench` does, so initdb's peak is not
 * in the figures).
 */
const fs = require('node:fs');
const path = require('node:path');
const { freshDatabase } = require('./lib/postgres');
const { measure } = require('./lib/load');
const { startStack } = require('./lib/stack');
const { childMemoryUsage } = require('./lib/procs');
const { RssSampler, procMemory, round, sleep } = require('./lib/util');

// scripts/test-postgres.sh picks a free port per checkout and prints TEST_DATABASE_URL.
const SERVER = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const DURATION_S = Number(process.env.BENCH_DURATION_SECONDS ?? 10);
const EMBEDDED = process.env.BENCH_EMBEDDED === '1';

async function main() {
  if (!EMBEDDED && !SERVER)
    throw new Error(
      'set BENCH_DATABASE_URL, or run scripts/test-postgres.sh start and export the TEST_DATABASE_URL it prints',
    );
  const db = EMBEDDED ? undefined : await freshDatabase(SERVER, 'sb_bench_rss');
  const log = (m) => process.stderr.write(`[rss-postgres] ${m}\n`);
  let stack;
  try {
    stack = await startStack({
      directAccessUsers: 0,
      withBare: false,
      restart: EMBEDDED,
      serviceEnv: db ? { DATABASE_URL: db.url } : {},
      log,
    });
    const pid = stack.service.pid;
    await sleep(2000);
    const out = {
      at: new Date().toISOString(),
      database: db
        ? `${new URL(db.url).host}/${db.name} (PostgreSQL, fresh database)`
        : 'embedded PGlite',
      idleMb: round(procMemory(pid).rssMb, 1),
      idleUsage: await childMemoryUsage(stack.service.child),
      load: [],
    };
    const rss = new RssSampler(pid, 250);
    const t = stack.req.serviceV2;
    for (const connections of [8, 32]) {
      log(`completions v2 through the service, ${connections} connections, ${DURATION_S} s`);
      const r = await measure({
        url: stack.serviceUrl + t.path,
        headers: t.headers,
        body: t.body,
        connections,
        durationS: DURATION_S,
      });
      out.load.push({
        connections,
        rps: r.rps,
        p50Ms: r.latencyMs.p50,
        p99Ms: r.latencyMs.p99,
        non2xx: r.non2xx,
        errors: r.errors,
        peakRssMb: round(rss.max(), 1),
      });
    }
    out.peakUnderLoadMb = round(rss.max(), 1);
    out.afterLoadUsage = await childMemoryUsage(stack.service.child);
    await sleep(5000);
    out.after5sIdleMb = round(procMemory(pid).rssMb, 1);
    out.vmHwmMb = round(procMemory(pid).hwmMb, 1);
    rss.stop();
    out.goal = { rssAfterLoadMb: 150, met: out.after5sIdleMb <= 150 };
    const dir = path.join(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(
      dir,
      `rss-${EMBEDDED ? 'embedded' : 'postgres'}-${out.at.replace(/[:.]/g, '-')}.json`,
    );
    fs.writeFileSync(file, JSON.stringify(out, null, 2));
    process.stdout.write(
      `RSS with ${EMBEDDED ? 'embedded PGlite' : 'PostgreSQL'}: idle ${out.idleMb} MB, peak under load ${out.peakUnderLoadMb} MB ` +
        `(VmHWM ${out.vmHwmMb}), 5 s after ${out.after5sIdleMb} MB; goal after the load <= 150 MB: ${out.goal.met ? 'met' : 'MISSED'}\n` +
        out.load
          .map(
            (l) =>
              `  ${l.connections} conns: ${l.rps} req/s, p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, non-2xx ${l.non2xx}, errors ${l.errors}, peak ${l.peakRssMb} MB\n`,
          )
          .join('') +
        `written to ${path.relative(process.cwd(), file)}\n`,
    );
  } finally {
    await stack?.close();
    await db?.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exit(1);
  },
);
