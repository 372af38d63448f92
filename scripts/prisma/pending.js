'use strict';
// Work-around 5 (prisma 6.19 WASM engine): `migrate dev` first applies pending migrations and
// then evaluates data loss, which needs a shadow database the WASM engine has only in its
// devDiagnostic step; with pending migrations it fails with "PostgreSQL shadow DB must be
// provided through an external factory". scripts/prisma-migrate.js runs `migrate deploy` first
// when this module says the target has pending migrations and deploying them is safe.
const fs = require('node:fs');
const path = require('node:path');
const { pgConfigFromUrl } = require('./adapters');

function localMigrations(migrationsDir) {
  if (!fs.existsSync(migrationsDir)) return [];
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .filter((entry) => fs.existsSync(path.join(migrationsDir, entry.name, 'migration.sql')))
    .map((entry) => entry.name);
}

/**
 * True when migrations are pending on a database Prisma manages, or on an empty one. Anything
 * else (failed or edited migrations, drift, an unmanaged database with tables) is left to
 * `migrate dev`, which explains it and offers a reset.
 */
async function shouldDeployFirst(query, local) {
  const [{ managed }] = await query(
    "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS managed",
  );
  if (!managed) {
    const [{ n }] = await query(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
        WHERE ns.nspname = current_schema() AND c.relkind IN ('r', 'v', 'm', 'p')`,
    );
    return n === 0;
  }
  const rows = await query(
    'SELECT migration_name, finished_at FROM _prisma_migrations WHERE rolled_back_at IS NULL',
  );
  if (rows.some((row) => row.finished_at === null)) return false;
  const applied = new Set(rows.map((row) => row.migration_name));
  return local.some((name) => !applied.has(name));
}

async function pendingOnPostgres(url, local) {
  const pg = require('pg');
  const { config, schema } = pgConfigFromUrl(url);
  const client = new pg.Client({
    ...config,
    ...(schema ? { options: `${config.options ?? ''} -c search_path="${schema}"`.trim() } : {}),
  });
  await client.connect();
  try {
    return await shouldDeployFirst(async (sql) => (await client.query(sql)).rows, local);
  } finally {
    await client.end();
  }
}

async function pendingOnPglite(dataDir, local) {
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return true; // a new, empty database
  const { PGlite } = require('@electric-sql/pglite');
  const pglite = new PGlite(dataDir);
  try {
    return await shouldDeployFirst(async (sql) => (await pglite.query(sql)).rows, local);
  } finally {
    await pglite.close(); // before the CLI opens the same directory
  }
}

/** Whether `migrate dev` should be preceded by `migrate deploy` on this target. */
async function deployBeforeDev({ url, dataDir }, migrationsDir) {
  const local = localMigrations(migrationsDir);
  if (local.length === 0) return false;
  try {
    return url ? await pendingOnPostgres(url, local) : await pendingOnPglite(dataDir, local);
  } catch {
    return false; // unreachable database and the like: let `migrate dev` report it
  }
}

module.exports = { deployBeforeDev };
