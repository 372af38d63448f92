'use strict';
/* Small helpers shared by the benchmark scripts (plain CommonJS, no build step). */
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Percentile (nearest rank) of an already sorted numeric array. */
function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** p50/p90/p99/max/mean of a list of samples (ms). */
function summarize(samples) {
  const s = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of s) sum += v;
  return {
    count: s.length,
    mean: s.length ? sum / s.length : NaN,
    p50: pct(s, 50),
    p90: pct(s, 90),
    p99: pct(s, 99),
    max: s.length ? s[s.length - 1] : NaN,
  };
}

/** A growable Float64 buffer, so a 10 s run at thousands of req/s does not allocate numbers. */
class Samples {
  constructor(initial = 65536) {
    this.buf = new Float64Array(initial);
    this.length = 0;
  }
  push(v) {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  values() {
    return this.buf.subarray(0, this.length);
  }
}

const round = (v, d = 2) => (Number.isFinite(v) ? Number(v.toFixed(d)) : v);

/**
 * One JSON request over node:http (loopback only). Returns {status, headers, text, body}.
 * Bounded by `timeoutMs`.
 */
function request(url, { method = 'GET', headers = {}, body, timeoutMs = 30_000, agent } = {}) {
  const u = new URL(url);
  if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') {
    return Promise.reject(new Error(`bench only talks to loopback, not ${u.hostname}`));
  }
  const payload =
    body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const h = { ...headers };
  if (payload !== undefined) {
    h['content-type'] ??= 'application/json';
    h['content-length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: h, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = text;
          }
          resolve({ status: res.statusCode, headers: res.headers, text, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${url}`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function expectStatus(promise, expected, what) {
  const r = await promise;
  if (r.status !== expected)
    throw new Error(`${what}: expected ${expected}, got ${r.status}: ${r.text.slice(0, 500)}`);
  return r.body;
}

/** VmRSS / VmHWM of a process in MB, from /proc/<pid>/status (Linux). */
function procMemory(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) / 1024 : NaN;
    };
    return { rssMb: kb('VmRSS'), hwmMb: kb('VmHWM') };
  } catch {
    return { rssMb: NaN, hwmMb: NaN };
  }
}

/** Samples a process' RSS every `intervalMs` until stopped. */
class RssSampler {
  constructor(pid, intervalMs = 500) {
    this.pid = pid;
    this.samples = [];
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }
  sample() {
    const m = procMemory(this.pid);
    if (Number.isFinite(m.rssMb)) this.samples.push({ t: Date.now(), rssMb: m.rssMb });
    return m;
  }
  stop() {
    clearInterval(this.timer);
    this.sample();
    return this.samples;
  }
  max() {
    return this.samples.reduce((m, s) => Math.max(m, s.rssMb), 0);
  }
}

function machine() {
  let cpuModel = 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    cpuModel = os.cpus()[0]?.model ?? 'unknown';
  }
  return {
    cpuModel,
    cores: os.cpus().length,
    totalMemGb: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

const loadAvg = () => os.loadavg().map((v) => round(v, 2));

module.exports = {
  sleep,
  freePort,
  pct,
  summarize,
  Samples,
  round,
  request,
  expectStatus,
  procMemory,
  RssSampler,
  machine,
  loadAvg,
};
