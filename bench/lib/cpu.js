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
      const name =
        Number(tid) === pid ? 'main' : comm === 'node' ? 'other threads' : comm.replace(/\d+$/, '');
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

/** Total CPU seconds of a process (all threads), from /proc/<pid>/stat. */
function processCpu(pid) {
  try {
    const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return NaN;
  }
}

/**
 * Brackets a measured window: CPU of the service per thread, of the other processes of the
 * bench (stub, bare proxy) and of this process (autocannon), plus CPU per successful request.
 */
function cpuWindow(servicePid, others = {}) {
  let svc0;
  let oth0;
  let self0;
  let t0;
  return {
    onStart() {
      svc0 = threadCpu(servicePid);
      oth0 = Object.fromEntries(Object.entries(others).map(([k, pid]) => [k, processCpu(pid)]));
      self0 = process.cpuUsage();
      t0 = performance.now();
    },
    onEnd(ok) {
      const wallS = (performance.now() - t0) / 1000;
      const svc = cpuDelta(svc0, threadCpu(servicePid));
      const self = process.cpuUsage(self0);
      const cores = { service: Number((svc.totalCpuS / wallS).toFixed(2)) };
      for (const [k, pid] of Object.entries(others))
        cores[k] = Number(((processCpu(pid) - oth0[k]) / wallS).toFixed(2));
      cores['bench (autocannon)'] = Number(((self.user + self.system) / 1e6 / wallS).toFixed(2));
      return {
        serviceCpu: {
          ...svc,
          msPerRequest: ok ? Number(((svc.totalCpuS * 1000) / ok).toFixed(3)) : NaN,
          mainMsPerRequest: ok ? Number((((svc.byThread.main ?? 0) * 1000) / ok).toFixed(3)) : NaN,
        },
        coresBusy: cores,
      };
    },
  };
}

module.exports = { threadCpu, cpuDelta, processCpu, cpuWindow };
