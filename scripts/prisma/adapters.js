'use strict';
// Driver-adapter factories for the Prisma 6.19 WASM schema engine, with the work-arounds that
// make it usable here (see docs/migrations.md, "Work-arounds"). Loaded only inside the migrate
// CLI child process (scripts/prisma/cli-preload.js), never by the service.
const fs = require('node:fs');
const path = require('node:path');

/** The directory of the `pg` package @prisma/adapter-pg uses (there could be two copies). */
function adapterPgDir() {
  const adapterDir = path.dirname(require.resolve('@prisma/adapter-pg'));
  return path.dirname(require.resolve('pg/package.json', { paths: [adapterDir] }));
}

/** pg's own URL parser (a dependency of pg, resolved from there). */
function parseConnectionString(url) {
  const parser = require.resolve('pg-connection-string', { paths: [adapterPgDir()] });
  return require(parser).parse(url);
}

/** Everything opened in this process; closed once before it exits (work-around 1). */
const openResources = [];

function track(name, close) {
  const resource = { name, closed: false, close };
  openResources.push(resource);
  return async () => {
    if (resource.closed) return;
    resource.closed = true;
    await close();
  };
}

async function closeAll() {
  // Last opened first: shadow databases before the target they were created from.
  for (const resource of [...openResources].reverse()) {
    if (resource.closed) continue;
    resource.closed = true;
    try {
      await resource.close();
    } catch (error) {
      process.stderr.write(`prisma-migrate: closing ${resource.name} failed: ${error.message}\n`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// PGlite
// ---------------------------------------------------------------------------------------------

function loadPGlite() {
  return require('@electric-sql/pglite').PGlite;
}

/** Where the image of an empty PGlite cluster is cached, per PGlite version. */
function emptyClusterImagePath() {
  const pkg = path.join(
    path.dirname(require.resolve('@electric-sql/pglite')),
    '..',
    'package.json',
  );
  const { version } = JSON.parse(fs.readFileSync(pkg, 'utf8'));
  return path.join(
    __dirname,
    '..',
    '..',
    'node_modules',
    '.cache',
    'switchboard-prisma-migrate',
    `pglite-${version}-empty.tgz`,
  );
}

/**
 * A new, empty in-memory PGlite. A fresh one runs initdb inside WASM (3-9 s of CPU here);
 * starting from a cached image of an empty cluster takes about 1 s. The image is written the
 * first time (atomically) and ignored if it cannot be read.
 */
async function newEmptyMemoryPglite() {
  const PGlite = loadPGlite();
  const image = emptyClusterImagePath();
  if (fs.existsSync(image)) {
    try {
      const pglite = new PGlite('memory://', { loadDataDir: new Blob([fs.readFileSync(image)]) });
      await pglite.waitReady;
      return pglite;
    } catch (error) {
      process.stderr.write(`prisma-migrate: ignoring cached PGlite image (${error.message})\n`);
    }
  }
  const pglite = new PGlite('memory://');
  await pglite.waitReady;
  try {
    const blob = await pglite.dumpDataDir('gzip');
    fs.mkdirSync(path.dirname(image), { recursive: true });
    const tmp = `${image}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
    fs.renameSync(tmp, image);
  } catch (error) {
    process.stderr.write(`prisma-migrate: could not cache a PGlite image (${error.message})\n`);
  }
  return pglite;
}

/** Runs a parameterless script with PGlite's simple-query protocol and awaits it. */
async function execScript(queryable, client, script) {
  try {
    const results = await client.exec(script);
    return results.reduce((sum, result) => sum + (result.affectedRows ?? 0), 0);
  } catch (error) {
    return queryable.onError(error);
  }
}

/**
 * Work-around 4: pglite-prisma-adapter 0.7.2 calls `client.exec(script)` without awaiting it,
 * so a failing migration script is reported as a success (and recorded as finished). Run the
 * script ourselves and await it; the adapter's onError maps PGlite errors to driver errors.
 * Same for parameterless executeRaw, which `migrate diff --from-migrations` uses to replay
 * whole migration files: PGlite's extended protocol rejects multi-statement text.
 */
function awaitPgliteScripts(adapter, pglite) {
  adapter.executeScript = async (script) => {
    await execScript(adapter, pglite, script);
  };
  patchExecuteRaw(adapter, pglite);
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (...args) => {
    const tx = await startTransaction(...args);
    return patchExecuteRaw(tx, tx.client);
  };
  return adapter;
}

function patchExecuteRaw(queryable, client) {
  const executeRaw = queryable.executeRaw.bind(queryable);
  queryable.executeRaw = (query) =>
    query.args.length === 0 ? execScript(queryable, client, query.sql) : executeRaw(query);
  return queryable;
}

/** Drops every user schema: an in-memory PGlite as empty as a freshly created one. */
const RESET_SHADOW_SQL = `
DO $$
DECLARE s record;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s.nspname);
  END LOOP;
END $$;
CREATE SCHEMA public;`;

let sharedShadow;
/**
 * An empty in-memory PGlite as the shadow database. `migrate dev` asks for two, so one
 * instance is kept for the whole process and emptied (~30 ms) before each later use. A second
 * request while it is in use gets its own instance.
 */
async function inMemoryPgliteAdapter() {
  const { PrismaPGlite } = require('pglite-prisma-adapter');
  let shadow;
  if (sharedShadow && !sharedShadow.inUse) {
    shadow = sharedShadow;
    await shadow.pglite.exec(RESET_SHADOW_SQL);
  } else {
    const pglite = await newEmptyMemoryPglite();
    shadow = { pglite, inUse: false };
    track('in-memory shadow PGlite', () => pglite.close());
    sharedShadow ??= shadow;
  }
  shadow.inUse = true;
  const adapter = awaitPgliteScripts(
    await new PrismaPGlite(shadow.pglite).connect(),
    shadow.pglite,
  );
  adapter.dispose = async () => {
    shadow.inUse = false;
  };
  return adapter;
}

/** Factory for a PGlite data directory: ONE PGlite per directory per process, opened lazily. */
function pgliteFactory(dataDir) {
  const { PrismaPGlite } = require('pglite-prisma-adapter');
  let pglitePromise;
  const open = () => {
    pglitePromise ??= (async () => {
      const PGlite = loadPGlite();
      fs.mkdirSync(dataDir, { recursive: true }); // PGlite creates only the last level
      const pglite = new PGlite(dataDir);
      track(`PGlite ${dataDir}`, () => pglite.close());
      await pglite.waitReady;
      return pglite;
    })();
    return pglitePromise;
  };
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pglite',
    async connect() {
      const pglite = await open();
      const adapter = awaitPgliteScripts(await new PrismaPGlite(pglite).connect(), pglite);
      // The directory stays open until the process ends: the engine may reconnect after dispose.
      adapter.dispose = async () => {};
      return adapter;
    },
    connectToShadowDb: inMemoryPgliteAdapter,
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL server (@prisma/adapter-pg)
// ---------------------------------------------------------------------------------------------

/** The `pg` module instance @prisma/adapter-pg uses. */
function adapterPgDriver() {
  return require(adapterPgDir());
}

let catalogTypesRelabelled = false;
/**
 * Work-around 2: the schema engine reads catalog columns of type "char" (oid 18) and name
 * (oid 19); @prisma/adapter-pg has no column type for them and throws UnsupportedNativeDataType.
 * Their text values are plain strings, so after pg has picked the (string) parser we relabel
 * them as text (oid 25). Patched in this CLI process only, never in the service.
 */
function relabelCatalogTypesAsText() {
  if (catalogTypesRelabelled) return;
  catalogTypesRelabelled = true;
  const Result = require(path.join(adapterPgDir(), 'lib', 'result.js'));
  const addFields = Result.prototype.addFields;
  Result.prototype.addFields = function addFieldsRelabelled(fieldDescriptions) {
    addFields.call(this, fieldDescriptions);
    for (const field of this.fields) {
      if (field.dataTypeID === 18 || field.dataTypeID === 19) field.dataTypeID = 25;
    }
  };
}

/**
 * Connection settings as separate fields. Work-around 3: with a `connectionString`, pg ignores
 * a `database` given next to it, so adapter-pg's shadow database would silently be the main
 * database. We never hand pg a connection string.
 */
function pgConfigFromUrl(url) {
  const parsed = parseConnectionString(url);
  const { schema, sslmode: _sslmode, ...rest } = parsed;
  const config = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) config[key] = value;
  if (config.port) config.port = Number(config.port);
  return { config, schema: schema || undefined };
}

function newPool(config, schema, name) {
  const pg = adapterPgDriver();
  const pool = new pg.Pool({
    ...config,
    max: 4,
    // Idle sockets must not keep the CLI alive (work-around 1).
    allowExitOnIdle: true,
    ...(schema ? { options: `${config.options ?? ''} -c search_path="${schema}"`.trim() } : {}),
  });
  pool.on('error', (error) => process.stderr.write(`prisma-migrate: ${name}: ${error.message}\n`));
  const close = track(name, () => pool.end());
  return { pool, close };
}

/**
 * Work-around 3: a shadow database on the server, created through the main connection and
 * dropped only after its own pool is closed (adapter-pg drops it first, which fails while its
 * connections are still open).
 */
async function serverShadowAdapter(config, adminPool) {
  const { PrismaPg } = require('@prisma/adapter-pg');
  const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID().replace(/-/g, '')}`;
  await adminPool.query(`CREATE DATABASE "${database}"`);
  const { pool, close } = newPool(
    { ...config, database },
    undefined,
    `shadow database ${database}`,
  );
  const dropShadow = track(`drop shadow database ${database}`, async () => {
    await close();
    await adminPool.query(`DROP DATABASE IF EXISTS "${database}"`);
  });
  const adapter = await new PrismaPg(pool).connect();
  adapter.dispose = dropShadow;
  return adapter;
}

function postgresFactory(url, { shadow }) {
  const { PrismaPg } = require('@prisma/adapter-pg');
  relabelCatalogTypesAsText();
  const { config, schema } = pgConfigFromUrl(url);
  let main;
  const mainPool = () => (main ??= newPool(config, schema, 'PostgreSQL pool')).pool;
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    async connect() {
      // An external pool: adapter-pg's dispose leaves it open, we close it at exit.
      return new PrismaPg(mainPool(), schema ? { schema } : undefined).connect();
    },
    async connectToShadowDb() {
      if (shadow === 'server') return serverShadowAdapter(config, mainPool());
      return inMemoryPgliteAdapter();
    },
  };
}

/** A printable description of a target, without credentials. */
function describeTarget(target) {
  if (target.kind === 'pglite') return `PGlite ${target.dataDir}`;
  const { config, schema } = pgConfigFromUrl(target.url);
  const where = `${config.host ?? 'localhost'}:${config.port ?? 5432}/${config.database ?? ''}`;
  return `PostgreSQL ${where}${schema ? ` (schema ${schema})` : ''}`;
}

/** The engine reports a failed connect as "External error id#0": say what it was. */
function explainFailures(factory) {
  for (const method of ['connect', 'connectToShadowDb']) {
    const original = factory[method];
    factory[method] = async () => {
      try {
        return await original.call(factory);
      } catch (error) {
        const what = method === 'connect' ? 'target database' : 'shadow database';
        process.stderr.write(`prisma-migrate: cannot open the ${what}: ${error.stack || error}\n`);
        throw error;
      }
    };
  }
  return factory;
}

function adapterFactoryFor(target) {
  return explainFailures(
    target.kind === 'pglite'
      ? pgliteFactory(target.dataDir)
      : postgresFactory(target.url, { shadow: target.shadow }),
  );
}

module.exports = { adapterFactoryFor, describeTarget, closeAll, pgConfigFromUrl };
