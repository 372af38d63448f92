#!/usr/bin/env node
// `npm test`: typecheck, then every jest tier. Integration and e2e tests run on the embedded
// database (PGlite) and, when PostgreSQL binaries are present, also on a real PostgreSQL server
// that scripts/test-postgres.sh starts for this checkout (its own data dir and port; PGPORT and
// PGDATA_DIR override them) and stops again at the end, unless it was already running.
// Under CI=true PostgreSQL is required.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const env = {
  ...process.env,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim(),
};
env.LOG_LEVEL = env.LOG_LEVEL ?? 'silent';

function run(cmd, args, extraEnv = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
  return r.status ?? 1;
}

const pgScript = path.join(__dirname, 'test-postgres.sh');
const pgCommand = (command, stdio = ['ignore', 'pipe', 'inherit']) =>
  spawnSync('bash', [pgScript, command], { cwd: root, encoding: 'utf8', stdio });
// A server someone started before `npm test` is theirs: leave it running.
const pgWasRunning = pgCommand('status', 'ignore').status === 0;
const pg = pgCommand('start');
let stopPg = () => undefined;
if (pg.status === 0) {
  for (const line of pg.stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  console.log(`test: PostgreSQL tier enabled (${env.TEST_DATABASE_URL})`);
  if (!pgWasRunning) stopPg = () => void pgCommand('stop', ['ignore', 'ignore', 'inherit']);
} else if (process.env.CI === 'true') {
  console.error('test: PostgreSQL could not be started and CI=true requires it');
  process.exit(1);
} else {
  console.warn('test: PostgreSQL not available; running the embedded (PGlite) tier only');
}

// Ctrl-C reaches jest too (same process group); we stay alive to stop PostgreSQL afterwards.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => undefined);

function main() {
  const status = run(process.execPath, [
    require.resolve('typescript/bin/tsc'),
    '-p',
    'tsconfig.json',
    '--noEmit',
  ]);
  if (status !== 0) return status;
  const jestArgs = process.argv.slice(2);
  return run(process.execPath, [require.resolve('jest/bin/jest'), '--maxWorkers=2', ...jestArgs]);
}

const status = main();
stopPg();
process.exit(status);
