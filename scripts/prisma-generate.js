#!/usr/bin/env node
// Generates the Prisma client. Prisma 7's CLI refuses to start unless an engine binary path
// exists (generate itself needs no engine), and it cannot download one on an offline machine,
// so point the variables at any existing file.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const placeholder = __filename;
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || placeholder,
  PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY || placeholder,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const cli = require.resolve('prisma/build/index.js');
const result = spawnSync(
  process.execPath,
  [cli, 'generate', '--schema', path.join(__dirname, '..', 'prisma', 'schema.prisma')],
  { env, stdio: ['ignore', 'pipe', 'inherit'] },
);
if (result.status !== 0) {
  process.stdout.write(result.stdout);
  process.exit(result.status ?? 1);
}
