'use strict';
/*
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time, self time
 * per module (package or src/ directory), and inclusive time of selected functions.
 * CLI: `node bench/cpuprofile-summary.js <file.cpuprofile> [--top N] [--last-seconds S] [--incl fnA,fnB]`.
 * Note: only the main JS thread is sampled; work on the libuv pool (async crypto.sign) and GC
 * helper threads does not appear here (see the per-thread CPU split in the bench output).
 */
const fs = require('node:fs');
const path = require('node:path');

function moduleOf(url, fn) {
  if (!url) return fn.startsWith('(') ? fn : '(native/builtin)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  if (url.startsWith('wasm://'))
    return `wasm:${path.basename(url)} (PGlite / Prisma query compiler)`;
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const d = u.indexOf('/dist/src/');
  if (d >= 0) {
    const rest = u.slice(d + 10).split('/');
    return `src/${rest.length > 1 ? rest[0] : rest[0]}`;
  }
  return path.basename(u);
}

/** Keeps only the samples of the last `lastMs` milliseconds of the profile (drops boot and setup). */
function lastWindow(profile, lastMs) {
  const times = new Array(profile.samples.length);
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) times[i] = t += profile.timeDeltas[i] ?? 0;
  const from = t - lastMs * 1000;
  const samples = [];
  const timeDeltas = [];
  for (let i = 0; i < profile.samples.length; i++) {
    if (times[i] < from) continue;
    samples.push(profile.samples[i]);
    timeDeltas.push(profile.timeDeltas[i]);
  }
  return { ...profile, samples, timeDeltas };
}

function summarize(profile, { top = 25, inclusiveOf = [], lastMs } = {}) {
  if (lastMs) profile = lastWindow(profile, lastMs);
  const byId = new Map();
  const parent = new Map();
  for (const n of profile.nodes) byId.set(n.id, n);
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i + 1] ?? timeDeltas[i] ?? 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, dt));
  }
  const keyOf = (n) => {
    const f = n.callFrame;
    const file = f.url
      ? `${f.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}`
      : '';
    return `${f.functionName || '(anonymous)'} ${file}`.trim();
  };

  let total = 0;
  let idle = 0;
  const fnSelf = new Map();
  const modSelf = new Map();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    total += us;
    if (n.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const k = keyOf(n);
    fnSelf.set(k, (fnSelf.get(k) ?? 0) + us);
    const m = moduleOf(n.callFrame.url, n.callFrame.functionName);
    modSelf.set(m, (modSelf.get(m) ?? 0) + us);
  }
  const busy = total - idle;
  const pctOf = (us) => Number(((us / busy) * 100).toFixed(1));
  const sorted = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]);

  // Inclusive time of functions whose name matches one of `inclusiveOf` (counted once per sample).
  const inclusive = {};
  if (inclusiveOf.length) {
    const acc = new Map(inclusiveOf.map((p) => [p, 0]));
    for (let i = 0; i < samples.length; i++) {
      const dt = Math.max(0, timeDeltas[i + 1] ?? timeDeltas[i] ?? 0);
      const seen = new Set();
      for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
        const n = byId.get(id);
        const name = n.callFrame.functionName;
        const where = n.callFrame.url;
        for (const p of inclusiveOf) {
          if (!seen.has(p) && (name === p || `${name} ${where}`.includes(p))) {
            seen.add(p);
            acc.set(p, acc.get(p) + dt);
          }
        }
      }
    }
    for (const [p, us] of acc) inclusive[p] = { ms: Math.round(us / 1000), pctOfBusy: pctOf(us) };
  }

  // Inclusive time per module: samples with at least one frame of that module on the stack.
  const modIncl = new Map();
  for (let i = 0; i < samples.length; i++) {
    const n0 = byId.get(samples[i]);
    if (n0.callFrame.functionName === '(idle)') continue;
    const dt = Math.max(0, timeDeltas[i + 1] ?? timeDeltas[i] ?? 0);
    const seen = new Set();
    for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id).callFrame;
      if (!f.url) continue;
      const m = moduleOf(f.url, f.functionName);
      if (m.startsWith('node:')) continue;
      seen.add(m);
    }
    for (const m of seen) modIncl.set(m, (modIncl.get(m) ?? 0) + dt);
  }

  const byOwner = ownerTimes(samples, timeDeltas, byId, parent);

  return {
    wallMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    idlePct: Number(((idle / total) * 100).toFixed(1)),
    topSelf: sorted(fnSelf)
      .slice(0, top)
      .map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), pctOfBusy: pctOf(us) })),
    byModule: sorted(modSelf)
      .slice(0, top)
      .map(([module, us]) => ({ module, ms: Math.round(us / 1000), pctOfBusy: pctOf(us) })),
    inclusive,
    byModuleInclusive: sorted(modIncl)
      .slice(0, top)
      .map(([module, us]) => ({ module, ms: Math.round(us / 1000), pctOfBusy: pctOf(us) })),
    byOwner: sorted(byOwner)
      .slice(0, top)
      .map(([owner, us]) => ({ owner, ms: Math.round(us / 1000), pctOfBusy: pctOf(us) })),
  };
}

/**
 * Self time charged to the nearest of the service's own functions on the stack (dist/src), so a
 * library's work counts for the step that called it (pino under the log line, undici under the
 * gateway call). Work with none of ours on the stack (an async continuation: the socket, the
 * HTTP parser, Fastify's lifecycle, the garbage collector) is charged to the library or
 * built-in it ran in.
 */
function ownerTimes(samples, timeDeltas, byId, parent) {
  const owner = new Map();
  for (let i = 0; i < samples.length; i++) {
    const leaf = byId.get(samples[i]).callFrame;
    if (leaf.functionName === '(idle)') continue;
    const dt = Math.max(0, timeDeltas[i + 1] ?? timeDeltas[i] ?? 0);
    let key;
    for (let id = samples[i]; id !== undefined && !key; id = parent.get(id)) {
      const f = byId.get(id).callFrame;
      const d = f.url.indexOf('/dist/src/');
      if (d !== -1) key = `src/${f.url.slice(d + 10)} ${f.functionName || '(anonymous)'}`;
    }
    key ??= `${moduleOf(leaf.url, leaf.functionName)} (no own frame)`;
    owner.set(key, (owner.get(key) ?? 0) + dt);
  }
  return owner;
}

function print(s, out = process.stdout) {
  out.write(
    `main thread: ${s.busyMs} ms busy of ${s.wallMs} ms (${s.idlePct}% idle); percentages are of busy time\n`,
  );
  out.write('\ntop self time (function, file:line):\n');
  for (const r of s.topSelf)
    out.write(`  ${String(r.pctOfBusy).padStart(5)}%  ${String(r.ms).padStart(6)} ms  ${r.fn}\n`);
  out.write('\nself time by module:\n');
  for (const r of s.byModule)
    out.write(
      `  ${String(r.pctOfBusy).padStart(5)}%  ${String(r.ms).padStart(6)} ms  ${r.module}\n`,
    );
  if (s.byModuleInclusive?.length) {
    out.write(
      '\ninclusive time by module (samples with a frame of the module on the stack; node: internals left out):\n',
    );
    for (const r of s.byModuleInclusive)
      out.write(
        `  ${String(r.pctOfBusy).padStart(5)}%  ${String(r.ms).padStart(6)} ms  ${r.module}\n`,
      );
  }
  if (s.byOwner?.length) {
    out.write('\nself time by owner (the nearest of our functions on the stack):\n');
    for (const r of s.byOwner)
      out.write(
        `  ${String(r.pctOfBusy).padStart(5)}%  ${String(r.ms).padStart(6)} ms  ${r.owner}\n`,
      );
  }
  if (Object.keys(s.inclusive).length) {
    out.write('\ninclusive time (function and everything it calls, main thread):\n');
    for (const [k, v] of Object.entries(s.inclusive))
      out.write(`  ${String(v.pctOfBusy).padStart(5)}%  ${String(v.ms).padStart(6)} ms  ${k}\n`);
  }
}

module.exports = { summarize, print };

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name, d) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : d;
  };
  const top = Number(opt('--top', 25));
  const lastS = opt('--last-seconds');
  const incl = opt('--incl', '');
  const file = args[0];
  if (!file) {
    process.stderr.write(
      'usage: node bench/cpuprofile-summary.js <file.cpuprofile> [--top N] [--last-seconds S] [--incl fnA,fnB]\n',
    );
    process.exit(2);
  }
  const s = summarize(JSON.parse(fs.readFileSync(file, 'utf8')), {
    top,
    inclusiveOf: incl.split(',').filter(Boolean),
    lastMs: lastS ? Number(lastS) * 1000 : undefined,
  });
  print(s);
}
