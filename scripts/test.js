#!/usr/bin/env node
// `npm test`: typecheck, then every jest tier. Integration and e2e tests run on the embedded
// database (PGlite) and, when PostgreSQL binaries are present, also on a real PostgreSQL server
// that scripts/test-postgres.sh starts on 127.0.0.1:54329. Under CI=true PostgreSQL is required.
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

const pg = spawnSync('bash', [path.join(__dirname, 'test-postgres.sh')], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (pg.status === 0) {
  for (const line of pg.stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  console.log(`test: PostgreSQL tier enabled (${env.TEST_DATABASE_URL})`);
} else if (process.env.CI === 'true') {
  console.error('test: PostgreSQL could not be started and CI=true requires it');
  process.exit(1);
} else {
  console.warn('test: PostgreSQL not available; running the embedded (PGlite) tier only');
}

let status = run(process.execPath, [
  require.resolve('typescript/bin/tsc'),
  '-p',
  'tsconfig.json',
  '--noEmit',
]);
if (status !== 0) process.exit(status);
const jestArgs = process.argv.slice(2);
status = run(process.execPath, [require.resolve('jest/bin/jest'), '--maxWorkers=2', ...jestArgs]);
process.exit(status);
