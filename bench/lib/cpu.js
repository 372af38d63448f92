'use strict';
/* CPU time of a process per thread kind, from /proc/<pid>/task/<tid>/{comm,stat} (Linux). */
const fs = require('node:fs');

const TICK = 100; // USER_HZ on Linux

/** { [thread comm]: cpu seconds (user+system) } summed over threads of the same name. */
function threadCpu(pid) {
  const out = {};
  let tids = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const comm = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const secs = (Number(fields[11]) + Number(fields[12])) / TICK; // utime, stime
      // Node 20 names every thread "node": the main thread is tid == pid; the others are the libuv
      // pool (async crypto.sign, fs, zlib) and V8's helpers (GC, compilation).
      const name = Number(tid) === pid ? 'main' : comm === 'node' ? 'other threads' : comm.replace(/\d+$/, '');
      out[name] = (out[name] ?? 0) + secs;
    } catch {
      /* thread ended */
    }
  }
  return out;
}

/** Difference of two threadCpu snapshots, with the total. */
function cpuDelta(before, after) {
  const d = {};
  let total = 0;
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const v = (after[k] ?? 0) - (before[k] ?? 0);
    if (v > 0.005) d[k] = Number(v.toFixed(2));
    total += Math.max(0, v);
  }
  return { totalCpuS: Number(total.toFixed(2)), byThread: d };
}

module.exports = { threadCpu, cpuDelta };
