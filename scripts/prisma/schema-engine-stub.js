#!/usr/bin/env node
// Stands in for Prisma's native schema-engine binary, which cannot be downloaded here.
// scripts/prisma-migrate.js points PRISMA_SCHEMA_ENGINE_BINARY / PRISMA_QUERY_ENGINE_LIBRARY at
// this file: the CLI insists that they exist, and prisma 6.19's `migrate resolve --rolled-back`
// still spawns the binary for a `can-connect-to-database` check even with a driver adapter.
// The real work (and any real connection error) goes through the WASM engine and the adapter.
'use strict';
if (process.argv.includes('can-connect-to-database')) process.exit(0);
process.stderr.write(
  'prisma-migrate: the native Prisma schema engine is not available; ' +
    `"${process.argv.slice(2).join(' ')}" is not supported by scripts/prisma-migrate.js\n`,
);
process.exit(1);
