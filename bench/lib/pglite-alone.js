'use strict';
/*
 * Forked by the bench after the service stopped: opens the embedded database the service used
 * (DATA_DIR/pgdata) with PGlite alone, in a bare node process, and reports its memory. This is the
 * share of the service's RSS that the embedded database costs by itself.
 */
const fs = require('node:fs');

async function main() {
  const dir = process.argv[2];
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create(dir);
  await pg.query('select count(*) from pg_class');
  await new Promise((r) => setTimeout(r, 1000));
  const u = process.memoryUsage();
  const hwm = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  const mb = (v) => Math.round(v / 1024 / 1024);
  process.send?.({
    ready: true,
    value: {
      rssMb: mb(u.rss),
      vmHwmMb: hwm ? Math.round(Number(hwm[1]) / 1024) : undefined,
      heapTotalMb: mb(u.heapTotal),
      externalMb: mb(u.external),
    },
  });
  await pg.close();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`pglite-alone failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
