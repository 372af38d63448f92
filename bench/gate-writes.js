'use strict';
/*
 * Actor-gate writes at scale (issue #27): per-write latency of the Features API
 * (`POST /api/v4/features/:name {"value":true|false,"user":…}`) on a flag that already holds
 * BENCH_ACTORS (10,000) actors, with BENCH_WRITERS (6) admin clients writing at once, each
 * adding BENCH_WRITES (10) distinct users one at a time and then removing them again. Goal:
 * p50 <= 50 ms. Every added actor is checked afterwards (present after the adds, gone after the
 * removes), so a lost write fails the run; writes not acknowledged (not 201) are counted and shown.
 *
 * Runs each build given on a fresh PostgreSQL database (server: BENCH_DATABASE_URL, default
 * TEST_DATABASE_URL from scripts/test-postgres.sh): this checkout's `dist/`, and with
 * BENCH_BEFORE=<another checkout with a dist/> that one too, in the same run, for before/after.
 *   npm run build && eval "$(scripts/test-postgres.sh start | sed 's/^/export /')"
 *   BENCH_BEFORE=/tmp/switchboard-before node bench/gate-writes.js
 */
const { fork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');
const { freshDatabase } = require('./lib/postgres');
const { freePort, machine, round, sleep, summarize } = require('./lib/util');

const SERVER = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const ACTORS = Number(process.env.BENCH_ACTORS ?? 10_000);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 6);
const WRITES = Number(process.env.BENCH_WRITES ?? 10);
const FLAG = 'code_completion_model_codestral_2508_vertex';
const ROOT_TOKEN = 'bench-root-token-0123456789abcdef';
const log = (m) => process.stderr.write(`[gate-writes] ${m}\n`);

async function startService(root, env) {
  const child = fork(path.join(root, 'dist/src/main.js'), [], {
    cwd: root,
    env: { ...process.env, ...env },
    execArgv: [
      '-r',
      path.join(__dirname, 'lib/child-guard.js'),
      ...(process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : []),
    ],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const url = `http://127.0.0.1:${env.PORT}`;
  for (const until = Date.now() + 90_000; Date.now() < until; await sleep(200)) {
    if (child.exitCode !== null) throw new Error(`service exited (${child.exitCode})`);
    const up = await fetch(`${url}/-/liveness`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { child, url };
  }
  child.kill('SIGKILL');
  throw new Error('service did not start');
}

async function api(url, method, p, body) {
  const r = await fetch(url + p, {
    method,
    headers: { 'private-token': ROOT_TOKEN, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${p} → ${r.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

async function actorsServed(url) {
  const f = await api(url, 'GET', `/api/v4/features/${FLAG}`);
  return new Set(f.gates.find((g) => g.key === 'actors')?.value ?? []);
}

/** The seeded actors, written straight into the table as a long-running rollout would have. */
async function seed(dbUrl) {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    await c.query('INSERT INTO features (key) VALUES ($1) ON CONFLICT DO NOTHING', [FLAG]);
    await c.query(
      `INSERT INTO feature_gates (feature_key, key, value)
       SELECT $1, 'actors', 'User:' || (1000000 + i) FROM generate_series(1, $2) AS i`,
      [FLAG, ACTORS],
    );
    await c.query(
      `INSERT INTO feature_store_version (id, version) VALUES (1, 1)
       ON CONFLICT (id) DO UPDATE SET version = feature_store_version.version + 1`,
    );
  } finally {
    await c.end();
  }
}

async function runBuild(label, root) {
  const db = await freshDatabase(SERVER, 'sb_bench_gates');
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-gates-'));
  let svc;
  try {
    svc = await startService(root, {
      PORT: String(port),
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      INITIAL_ROOT_TOKEN: ROOT_TOKEN,
      LOG_LEVEL: 'warn',
      AIGW_URL: 'http://127.0.0.1:9', // never called
    });
    const users = [];
    for (let i = 0; i < WRITERS * WRITES; i++) {
      const n = `gw${i}-${Date.now().toString(36)}`;
      users.push(await api(svc.url, 'POST', '/api/v4/users', { username: n, name: n }));
    }
    await seed(db.url);
    for (const until = Date.now() + 60_000; (await actorsServed(svc.url)).size < ACTORS;) {
      if (Date.now() > until) throw new Error(`${label}: the seeded actors were never served`);
      await sleep(100);
    }
    log(
      `${label}: ${ACTORS} actors seeded, ${WRITERS} writers × ${WRITES} adds + ${WRITES} removes`,
    );
    const samples = { add: [], remove: [] };
    const failed = [];
    const acked = { add: new Set(), remove: new Set() };
    const write = async (u, value) => {
      const started = performance.now();
      const r = await fetch(`${svc.url}/api/v4/features/${FLAG}`, {
        method: 'POST',
        headers: { 'private-token': ROOT_TOKEN, 'content-type': 'application/json' },
        body: JSON.stringify({ value, user: u.username }),
      });
      const text = await r.text();
      samples[value ? 'add' : 'remove'].push(performance.now() - started);
      if (r.status === 201) acked[value ? 'add' : 'remove'].add(u.id);
      else failed.push(`${r.status} ${text.slice(0, 120)}`);
    };
    const mine = (w) => users.slice(w * WRITES, (w + 1) * WRITES);
    const wall = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (const u of mine(w)) await write(u, true);
      }),
    );
    const present = await actorsServed(svc.url);
    const lostAdds = users.filter(
      (u) => acked.add.has(u.id) && !present.has(`User:${u.id}`),
    ).length;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (const u of mine(w)) await write(u, false);
      }),
    );
    const wallMs = performance.now() - wall;
    const after = await actorsServed(svc.url);
    const lostRemoves = users.filter(
      (u) => acked.remove.has(u.id) && after.has(`User:${u.id}`),
    ).length;
    const all = [...samples.add, ...samples.remove];
    const fig = (s) => {
      const x = summarize(s);
      const p95 = Float64Array.from(s).sort()[Math.ceil(0.95 * s.length) - 1];
      return { n: x.count, p50: round(x.p50, 1), p95: round(p95, 1), max: round(x.max, 1) };
    };
    return {
      build: label,
      actors: ACTORS,
      writers: WRITERS,
      all: fig(all),
      add: fig(samples.add),
      remove: fig(samples.remove),
      writesPerSecond: round((all.length / wallMs) * 1000, 1),
      failedWrites: failed.length,
      failures: [...new Set(failed)].slice(0, 3),
      lostAdds,
      lostRemoves,
      actorsAfter: after.size,
    };
  } finally {
    svc?.child.kill(process.env.BENCH_CPU_PROF ? 'SIGUSR2' : 'SIGTERM');
    if (svc) await new Promise((r) => svc.child.once('exit', r));
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  if (!SERVER)
    throw new Error('set BENCH_DATABASE_URL or TEST_DATABASE_URL (scripts/test-postgres.sh)');
  const builds = [];
  if (process.env.BENCH_BEFORE) builds.push(['before', process.env.BENCH_BEFORE]);
  builds.push(['this checkout', path.join(__dirname, '..')]);
  const results = [];
  for (const [label, root] of builds) results.push(await runBuild(label, root));
  console.log(
    JSON.stringify({ at: new Date().toISOString(), machine: machine(), results }, null, 2),
  );
  const lost = results.some((r) => r.lostAdds > 0 || r.lostRemoves > 0);
  if (lost) {
    log('LOST WRITES');
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
