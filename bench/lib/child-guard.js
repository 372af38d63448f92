'use strict';
/*
 * Preloaded (`node -r ./bench/lib/child-guard.js dist/src/main.js`) into the service child:
 * - exits when the bench parent goes away (IPC disconnect), so nothing outlives the run;
 * - exits cleanly on SIGUSR2, which makes `--cpu-prof` write its profile (a signal death would not);
 * - answers {type:'memoryUsage', gc?} IPC messages with process.memoryUsage() (heap vs. off-heap).
 */
if (process.send) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m) => {
    if (m && m.type === 'memoryUsage') {
      // With --expose-gc (the bench starts the service with it) a full GC first, on request:
      // what is left is live memory, so growth across a soak means a leak, not lazy collection.
      if (m.gc && typeof global.gc === 'function') global.gc();
      const mb = (v) => Math.round((v / 1024 / 1024) * 10) / 10;
      const u = process.memoryUsage();
      process.send({
        type: 'memoryUsage',
        id: m.id,
        value: {
          rssMb: mb(u.rss),
          heapTotalMb: mb(u.heapTotal),
          heapUsedMb: mb(u.heapUsed),
          externalMb: mb(u.external),
          arrayBuffersMb: mb(u.arrayBuffers),
        },
      });
    }
  });
}
process.on('SIGUSR2', () => process.exit(0));
