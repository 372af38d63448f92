#!/usr/bin/env node
// Stands in for Prisma's native engines, which cannot be downloaded here.
// scripts/prisma-migrate.js points PRISMA_SCHEMA_ENGINE_BINARY and PRISMA_QUERY_ENGINE_LIBRARY
// at this file: the CLI insists that they exist, `migrate resolve --rolled-back` still runs the
// schema-engine "binary" for a `can-connect-to-database` check even with a driver adapter, and
// `prisma --version` loads the query-engine "library". The real work (and any real connection
// error) goes through the WASM engine and the driver adapter.
'use strict';
if (require.main === module) {
  if (process.argv.includes('can-connect-to-database')) process.exit(0);
  process.stderr.write(
    'prisma-migrate: the native Prisma schema engine is not available; ' +
      `"${process.argv.slice(2).join(' ')}" is not supported by scripts/prisma-migrate.js\n`,
  );
  process.exit(1);
}
// Loaded as the query-engine library (`prisma --version`): there is none, say so.
module.exports = {
  version: () => ({ commit: 'none', version: 'not installed (driver adapters)' }),
};
