'use strict';
/*
 * What the request log context (src/common/logging/logger.ts) costs on Node 20: an active
 * AsyncLocalStorage turns on the promise hooks, so every promise and async resource created while
 * it is enabled pays for carrying the store. Measured side by side in one process, interleaved:
 * a chain of `awaits` awaits (a request's async steps) with no store, then inside a store, then
 * again after `disable()` (which turns the hooks off), for `rounds` rounds; CPU µs per chain.
 * CLI: `node bench/als-micro.js [awaits=200] [rounds=5] [ms=1500]`.
 */
const { AsyncLocalStorage } = require('node:async_hooks');

const [awaits = 200, rounds = 5, ms = 1500] = process.argv.slice(2).map(Number);
const als = new AsyncLocalStorage();

async function chain() {
  let x = 0;
  for (let i = 0; i < awaits; i++) x += await Promise.resolve(i);
  return x;
}

async function timed(run) {
  const cpu0 = process.cpuUsage();
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    for (let k = 0; k < 50; k++) await run();
    n += 50;
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / n;
}

async function main() {
  await timed(chain); // warm-up
  const ratios = [];
  for (let r = 1; r <= rounds; r++) {
    const off = await timed(chain);
    const on = await als.run({ reqId: 'bench' }, () => timed(chain));
    als.disable();
    ratios.push(on / off);
    process.stderr.write(
      `round ${r}  no store ${off.toFixed(1)} µs  in a store ${on.toFixed(1)} µs  ` +
        `ratio ${(on / off).toFixed(2)}  (+${((on - off) / awaits).toFixed(3)} µs per await)\n`,
    );
  }
  ratios.sort((a, b) => a - b);
  process.stderr.write(`median ratio ${ratios[Math.floor(ratios.length / 2)].toFixed(2)}\n`);
}

void main();
