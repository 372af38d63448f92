'use strict';
/*
 * Preloaded (`node -r ./bench/lib/child-guard.js dist/src/main.js`) into the service child:
 * - exits when the bench parent goes away (IPC disconnect), so nothing outlives the run;
 * - exits cleanly on SIGUSR2, which makes `--cpu-prof` write its profile (a signal death would not).
 */
if (process.send) {
  process.on('disconnect', () => process.exit(0));
}
process.on('SIGUSR2', () => process.exit(0));
