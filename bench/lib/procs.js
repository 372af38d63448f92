'use strict';
/* Child processes of the bench: forked with IPC, killed on exit, never left behind. */
const { fork } = require('node:child_process');
const path = require('node:path');
const { request, sleep } = require('./util');

const ROOT = path.resolve(__dirname, '..', '..');
const children = new Set();

function killAll(signal = 'SIGKILL') {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.kill(signal);
      } catch {
        /* already gone */
      }
    }
  }
}
process.on('exit', () => killAll());
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

/** Forks `script` and waits for its `{ready, url}` IPC message. */
function forkReady(script, args, { env, execArgv = [], timeoutMs = 30_000, name }) {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.add(child);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', (m) => {
      if (m && m.ready) {
        clearTimeout(timer);
        resolve({ child, url: m.url, pid: child.pid });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Error(`${name} exited early (code ${code}, signal ${signal})`));
    });
  });
}

/**
 * The service as `node dist/src/main.js` in a child process (its RSS is then its own), with the
 * child guard preloaded. Ready when GET /-/liveness answers 200.
 */
async function startService({ env, execArgv = [], timeoutMs = 90_000 }) {
  const child = fork(path.join(ROOT, 'dist/src/main.js'), [], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    execArgv: ['-r', path.join(__dirname, 'child-guard.js'), ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  let exited;
  child.once('exit', (code, signal) => {
    exited = `service exited (code ${code}, signal ${signal})`;
    children.delete(child);
  });
  const url = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(exited);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`service did not become live within ${timeoutMs} ms`);
    }
    try {
      const r = await request(`${url}/-/liveness`, { timeoutMs: 2000 });
      if (r.status === 200) return { child, url, pid: child.pid };
    } catch {
      /* not listening yet */
    }
    await sleep(200);
  }
}

/** Stops a child: `signal` first, SIGKILL after `graceMs`. Resolves when it has exited. */
function stop(child, signal = 'SIGTERM', graceMs = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      children.delete(child);
      resolve();
    });
    child.kill(signal);
  });
}

module.exports = { ROOT, forkReady, startService, stop, killAll };

let memSeq = 0;
/** process.memoryUsage() of a child started with the child guard (MB; after a full GC when `gc`), or undefined after 5 s. */
function childMemoryUsage(child, { gc = false } = {}) {
  if (!child?.connected) return Promise.resolve(undefined);
  const id = ++memSeq;
  return new Promise((resolve) => {
    const t = setTimeout(() => done(undefined), 5000);
    const onMsg = (m) => m && m.type === 'memoryUsage' && m.id === id && done(m.value);
    function done(v) {
      clearTimeout(t);
      child.off('message', onMsg);
      resolve(v);
    }
    child.on('message', onMsg);
    child.send({ type: 'memoryUsage', id, gc });
  });
}
module.exports.childMemoryUsage = childMemoryUsage;
