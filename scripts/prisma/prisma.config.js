'use strict';
// Prisma config for the prisma@6.19 migrate CLI. The CLI loads this file through jiti (a
// separate module cache), so the config itself is built by scripts/prisma/cli-preload.js in
// the same process and handed over through a global. Use scripts/prisma-migrate.js.
const config = globalThis[Symbol.for('switchboard.prismaMigrateConfig')];
if (!config) {
  throw new Error(
    'scripts/prisma/prisma.config.js is only usable through scripts/prisma-migrate.js',
  );
}
module.exports = config;
