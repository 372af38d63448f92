'use strict';
/*
 * `npm run build && BENCH_DATABASE_URL=postgres://… node bench/scale-out.js`: scale-out figures
 * of one run (issue 16), each beside its baseline, on PostgreSQL + a redis-server started here:
 *   1. completions throughput (autocannon, non-streamed v2, one seated user, rate limit out of
 *      the way) with WORKERS=2 vs WORKERS=1, and the CPU seconds of the service (primary and
 *      workers), the stub gateway and this process (the load generator) during each run;
 *   2. what the shared rate limit adds per completion: (a) one hit of the limiter, in-process,
 *      Redis vs memory (p50 of sequential hits); (b) end-to-end p50 of sequential completions,
 *      WORKERS=1 with REDIS_URL vs without.
 * Knobs: BENCH_DURATION_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_SEQUENTIAL_N (2000),
 * BENCH_ONLY=latency (skip part 1).
 * Writes bench/results/scale-out-<timestamp>.json.
 */
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { freshDatabase } = require('./lib/postgres');
const { Admin } = require('./lib/provision');
const { freePort, request, sleep } = require('./lib/util');

const ROOT = path.join(__dirname, '..');
const ROOT_TOKEN = 'bench-root-token-0123456789abcdef';
const env = process.env;
const CFG = {
  durationS: Number(env.BENCH_DURATION_SECONDS ?? 10),
  connections: Number(env.BENCH_CONNECTIONS ?? 32),
  sequentialN: Number(env.BENCH_SEQUENTIAL_N ?? 2000),
};
const log = (m) =>
  process.stderr.write(`[scale-out ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const children = new Set();
const REDIS_SERVER = fs.existsSync('/usr/bin/redis-server')
  ? '/usr/bin/redis-server'
  : 'redis-server';

function start(cmd, args, extraEnv, readyPattern) {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { PATH: env.PATH, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  if (!readyPattern) return Promise.resolve(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} not ready:\n${out}`)), 120_000);
    const onData = (d) => {
      out = (out + d.toString()).slice(-20_000);
      if (readyPattern(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${cmd} exited ${code}:\n${out}`)));
  });
}

function stopChild(child) {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  });
}

/** CPU seconds (user + system) of a process and its children, from /proc. */
function cpuSeconds(pid, { children = true } = {}) {
  let pids = [pid];
  if (!children) return ticksOf(pids) / 100;
  try {
    pids = pids.concat(
      execFileSync('ps', ['--ppid', String(pid), '-o', 'pid='], { encoding: 'utf8' })
        .split('\n')
        .map((s) => Number(s.trim()))
        .filter(Boolean),
    );
  } catch {
    /* no children */
  }
  return ticksOf(pids) / 100;
}

function ticksOf(pids) {
  let ticks = 0;
  for (const p of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return ticks;
}

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round = (v, d = 3) => Number(v.toFixed(d));

async function startService(workers, common, withRedis) {
  const port = await freePort();
  const serviceEnv = {
    ...common,
    PORT: String(port),
    WORKERS: String(workers),
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sb-scale-')),
    LOG_LEVEL: 'warn',
  };
  if (!withRedis) delete serviceEnv.REDIS_URL;
  const url = `http://127.0.0.1:${port}`;
  const child = await start(process.execPath, ['dist/src/main.js'], serviceEnv);
  // Ready when readiness (new connection each time, so node:cluster spreads them) has been
  // answered by `workers` different processes.
  const pids = new Set();
  for (const deadline = Date.now() + 120_000; pids.size < workers; await sleep(100)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('service not ready');
    const r = await request(`${url}/-/readiness`, { agent: false }).catch(() => undefined);
    const pid = r?.body?.checks?.shared_state?.detail?.pid;
    if (r?.status === 200 && pid) pids.add(pid);
  }
  return { child, url };
}

function cannon(url, token, body, connections, durationS) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/api/v4/code_suggestions/completions`,
        method: 'POST',
        connections,
        duration: durationS,
        headers: { 'content-type': 'application/json', 'private-token': token },
        body: JSON.stringify(body),
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

const BODY = {
  current_file: {
    file_name: 'src/geometry.py',
    content_above_cursor: 'import math\n\ndef distance(a, b):\n    '.repeat(40).slice(-2400),
    content_below_cursor: '\n',
    language_identifier: 'python',
  },
  intent: 'completion',
  stream: false,
};

async function throughput(workers, common, stub) {
  const svc = await startService(workers, common, true);
  try {
    const user = await new Admin(svc.url, ROOT_TOKEN).seatedUser('scale');
    await cannon(svc.url, user.token, BODY, CFG.connections, 2); // warm-up
    const before = {
      primary: cpuSeconds(svc.child.pid, { children: false }),
      svc: cpuSeconds(svc.child.pid),
      stub: cpuSeconds(stub.pid),
      gen: process.cpuUsage(),
    };
    const res = await cannon(svc.url, user.token, BODY, CFG.connections, CFG.durationS);
    const gen = process.cpuUsage(before.gen);
    const out = {
      workers,
      reqPerSec: round(res.requests.average, 1),
      non2xx: res.non2xx,
      errors: res.errors,
      p50Ms: res.latency.p50,
      p99Ms: res.latency.p99,
      cpuSeconds: {
        service: round(cpuSeconds(svc.child.pid) - before.svc, 2),
        ofWhichPrimary: round(cpuSeconds(svc.child.pid, { children: false }) - before.primary, 2),
        stub: round(cpuSeconds(stub.pid) - before.stub, 2),
        loadGenerator: round((gen.user + gen.system) / 1e6, 2),
      },
    };
    log(`WORKERS=${workers}: ${JSON.stringify(out)}`);
    return out;
  } finally {
    await stopChild(svc.child);
  }
}

/** p50/p99 of CFG.sequentialN sequential completions (one connection, keep-alive). */
async function sequentialLatency(common, withRedis) {
  const svc = await startService(1, common, withRedis);
  try {
    const user = await new Admin(svc.url, ROOT_TOKEN).seatedUser('seq');
    const agent = new (require('node:http').Agent)({ keepAlive: true, maxSockets: 1 });
    const send = () =>
      request(`${svc.url}/api/v4/code_suggestions/completions`, {
        method: 'POST',
        headers: { 'private-token': user.token },
        body: BODY,
        agent,
      });
    for (let i = 0; i < 200; i++) await send();
    const ms = [];
    for (let i = 0; i < CFG.sequentialN; i++) {
      const t = process.hrtime.bigint();
      const r = await send();
      if (r.status !== 200) throw new Error(`completion answered ${r.status}`);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    agent.destroy();
    ms.sort((a, b) => a - b);
    return { p50Ms: round(pct(ms, 50)), p99Ms: round(pct(ms, 99)) };
  } finally {
    await stopChild(svc.child);
  }
}

/** One limiter hit, in-process: rate-limiter-flexible in Redis vs in memory. */
async function limiterHit(redisUrl) {
  const { FleetRateLimiter } = require('../dist/src/shared-state/fleet-rate-limiter');
  const { RedisConnection } = require('../dist/src/shared-state/redis-connection');
  const pino = require('pino');
  const conn = new RedisConnection(redisUrl, pino({ level: 'silent' }));
  while (!conn.isUp) await sleep(20);
  const time = async (limiter) => {
    for (let i = 0; i < 500; i++) await limiter.hit(`warm${i % 50}`);
    const us = [];
    for (let i = 0; i < CFG.sequentialN; i++) {
      const t = process.hrtime.bigint();
      await limiter.hit(`u${i % 100}`);
      us.push(Number(process.hrtime.bigint() - t) / 1e3);
    }
    us.sort((a, b) => a - b);
    return { p50Us: round(pct(us, 50), 1), p99Us: round(pct(us, 99), 1) };
  };
  const shared = { connection: conn, keyPrefix: `bench${Date.now()}:` };
  const redis = await time(new FleetRateLimiter('bench', 1_000_000, 60_000, shared));
  const memory = await time(new FleetRateLimiter('bench', 1_000_000, 60_000));
  await conn.close();
  return { redis, memory, addedP50Ms: round((redis.p50Us - memory.p50Us) / 1000, 4) };
}

async function main() {
  const base = env.BENCH_DATABASE_URL ?? env.TEST_DATABASE_URL;
  if (!base)
    throw new Error(
      'set BENCH_DATABASE_URL (a PostgreSQL server URL the bench may create a database on)',
    );
  if (!fs.existsSync(path.join(ROOT, 'dist/src/main.js')))
    throw new Error('run `npm run build` first');
  const redisPort = await freePort();
  await start(
    REDIS_SERVER,
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
    (o) => /Ready to accept/.test(o),
  );
  const stubPort = await freePort();
  const stub = await start(process.execPath, ['dist/src/stub-gateway/main.js'], {
    STUB_GATEWAY_PORT: String(stubPort),
    STUB_GATEWAY_VERIFY_TOKENS: 'false',
    LOG_LEVEL: 'warn',
  });
  await sleep(1000);
  const db = await freshDatabase(base);
  const common = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    AIGW_URL: `http://127.0.0.1:${stubPort}`,
    INITIAL_ROOT_TOKEN: ROOT_TOKEN,
    SIGNING_KEY_SECRET: 'bench-signing-key-secret-0123456789abcdef',
    DEMO_DATA: 'never',
    RATE_LIMIT_COMPLETIONS_PER_MINUTE: '1000000',
  };
  try {
    const load0 = os.loadavg();
    let throughputResult;
    if (env.BENCH_ONLY !== 'latency') {
      log('throughput WORKERS=1');
      const one = await throughput(1, common, stub);
      log('throughput WORKERS=2');
      const two = await throughput(2, common, stub);
      throughputResult = {
        workers1: one,
        workers2: two,
        ratio: round(two.reqPerSec / one.reqPerSec, 2),
      };
    }
    log('limiter hit, in-process');
    const hit = await limiterHit(common.REDIS_URL);
    // Alternated (memory, Redis, memory, Redis) so a change of the machine's load mid-run shows.
    log('sequential completions, per-process limiter vs Redis limiter, twice each');
    const rounds = [];
    for (let i = 0; i < 2; i++) {
      const memory = await sequentialLatency(common, false);
      const redis = await sequentialLatency(common, true);
      rounds.push({ memory, redis, addedP50Ms: round(redis.p50Ms - memory.p50Ms) });
      log(`round ${i + 1}: ${JSON.stringify(rounds.at(-1))}`);
    }
    const result = {
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model,
        loadavgBefore: load0,
        loadavgAfter: os.loadavg(),
      },
      config: CFG,
      throughput: throughputResult,
      rateLimit: { limiterHit: hit, sequentialCompletions: rounds },
    };
    const dir = path.join(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `scale-out-${result.date.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(result, null, 2));
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    log(`written ${path.relative(ROOT, file)}`);
  } finally {
    for (const c of children) await stopChild(c);
    await db.drop();
  }
}

main().catch(async (err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
});
