'use strict';
/*
 * CPU profile of the service under load: `node --cpu-prof dist/src/main.js` (child), autocannon
 * at 32 connections for N seconds, then SIGUSR2 (the child guard exits cleanly so the profile is
 * written) and a summary of the load window: top self-time functions, self time per module,
 * inclusive time of the request path's main functions, and the service's CPU per thread.
 * CLI: `npm run build && node bench/profile.js completions|direct_access [seconds=20]`
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { cpuWindow } = require('./lib/cpu');
const { measure } = require('./lib/load');
const { stop } = require('./lib/procs');
const { startStack } = require('./lib/stack');
const { print, summarize } = require('./cpuprofile-summary');

const INCLUSIVE = {
  completions: [
    // The service's named steps (CompletionsService.complete and what it calls).
    'complete',
    'canActivate',
    'authenticate',
    'gate',
    'admit',
    'parseOrThrow',
    'route',
    'decide',
    'isEnabled',
    'callGateway',
    'upstreamHeaders',
    'forOwnCall',
    'identityHeaders',
    'logCompletionInput',
    'buildUpstreamCall',
    'attempt',
    'execute',
    'send',
    'request',
    'readJsonBody',
    'answer',
    'postProcessCompletion',
    'overheadTime',
    'upstreamTime',
    'runInAsyncScope',
  ],
  direct_access: [
    'issue',
    'gate',
    'decide',
    'isEnabled',
    'seatContext',
    'forUser',
    'tokenFor',
    'identityHeaders',
    'rs256',
    'sign',
    'randomUUID',
    'authenticate',
  ],
};

async function profileScenario(
  scenario,
  { seconds = 20, connections = 32, log = () => undefined } = {},
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-prof-'));
  const stack = await startStack({
    directAccessUsers: 0,
    execArgv: ['--cpu-prof', '--cpu-prof-dir', dir],
    withBare: false,
    log,
  });
  const req = scenario === 'direct_access' ? stack.req.directAccess : stack.req.serviceV2;
  let load;
  let cpu;
  let windowMs;
  try {
    const t0 = Date.now();
    log(`profiling ${scenario}: ${seconds} s at ${connections} connections`);
    load = await measure({
      url: stack.serviceUrl + req.path,
      headers: req.headers,
      body: req.body,
      connections,
      durationS: seconds,
      warmupS: 0,
      ...cpuWindow(stack.service.pid, { stub: stack.stub.pid }),
    });
    cpu = { ...load.serviceCpu, coresBusy: load.coresBusy };
    await stop(stack.service.child, 'SIGUSR2', 20_000);
    windowMs = Date.now() - t0;
  } finally {
    await stack.close();
  }
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile written in ${dir}`);
  const file = path.join(dir, files[0]);
  const summary = summarize(JSON.parse(fs.readFileSync(file, 'utf8')), {
    top: 30,
    inclusiveOf: INCLUSIVE[scenario],
    lastMs: windowMs,
  });
  return {
    scenario,
    file,
    load: { rps: load.rps, latencyMs: load.latencyMs, non2xx: load.non2xx },
    serviceCpu: cpu,
    summary,
  };
}

module.exports = { profileScenario };

if (require.main === module) {
  const scenario = process.argv[2] ?? 'completions';
  if (!INCLUSIVE[scenario]) {
    process.stderr.write('usage: node bench/profile.js completions|direct_access [seconds]\n');
    process.exit(2);
  }
  profileScenario(scenario, {
    seconds: Number(process.argv[3] ?? 20),
    log: (m) => process.stderr.write(`[profile] ${m}\n`),
  }).then(
    (p) => {
      process.stdout.write(
        `${scenario}: ${p.load.rps} req/s, p50 ${p.load.latencyMs.p50} ms, p99 ${p.load.latencyMs.p99} ms, non-2xx ${p.load.non2xx}\n`,
      );
      process.stdout.write(
        `service CPU by thread (s): ${JSON.stringify(p.serviceCpu)}\nprofile: ${p.file}\n\n`,
      );
      print(p.summary);
      const out = path.join(__dirname, 'results');
      fs.mkdirSync(out, { recursive: true });
      const f = path.join(
        out,
        `profile-${scenario}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
      );
      fs.writeFileSync(f, JSON.stringify(p, null, 2) + '\n');
      process.stdout.write(`\nsummary: ${path.relative(process.cwd(), f)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`profile failed: ${err.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
