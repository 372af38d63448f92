#!/usr/bin/env node
// Prisma Migrate without downloadable engines (see docs/migrations.md).
//
//   node scripts/prisma-migrate.js migrate dev --name <name>   new migration from schema changes
//   node scripts/prisma-migrate.js migrate status | deploy | reset --force | resolve ...
//   node scripts/prisma-migrate.js migrate diff --from-empty --to-schema-datamodel prisma/schema.prisma --script
//
// Runs the prisma@6.19 CLI (installed as `prisma-migrate`) on its built-in WASM schema engine
// through a driver adapter. Target: DATABASE_URL when set, else PGlite in
// ${DATA_DIR:-./.data}/pgdata. The CLI sees a derived copy of prisma/schema.prisma (no
// generator, a placeholder url) and scripts/prisma/prisma.config.js.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { writeMigrateSchema } = require('./prisma/schema-copy');
const { pgConfigFromUrl } = require('./prisma/adapters');
const { deployBeforeDev } = require('./prisma/pending');

const ROOT = path.join(__dirname, '..');
const DEFAULT_SCHEMA = path.join(ROOT, 'prisma', 'schema.prisma');
const CLI = require.resolve('prisma-migrate/build/index.js');
const PRELOAD = path.join(__dirname, 'prisma', 'cli-preload.js');
const CONFIG = path.join(__dirname, 'prisma', 'prisma.config.js');
const ENGINE_STUB = path.join(__dirname, 'prisma', 'schema-engine-stub.js');
/** Back-stop only: the child closes itself; this catches a hang we did not foresee. */
const TIMEOUT_MS = Number(process.env.PRISMA_MIGRATE_TIMEOUT_MS || 600_000);
/** `migrate diff` flags that take a schema file, which prisma 6.19 must get as a migrate copy. */
const SCHEMA_FILE_FLAGS = new Set([
  '--from-schema-datamodel',
  '--to-schema-datamodel',
  '--from-schema-datasource',
  '--to-schema-datasource',
]);

function fail(message) {
  process.stderr.write(`prisma-migrate: ${message}\n`);
  process.exit(1);
}

/** Splits `--flag=value` and pulls out --schema; returns the remaining args and the schema. */
function parseArgs(argv) {
  const args = [];
  let schema = DEFAULT_SCHEMA;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0) [arg, value] = [arg.slice(0, eq), arg.slice(eq + 1)];
    if (arg === '--config') fail('--config is managed by this script');
    if (arg === '--schema' || SCHEMA_FILE_FLAGS.has(arg)) {
      value ??= argv[++i];
      if (!value) fail(`${arg} needs a value`);
      if (arg === '--schema') schema = path.resolve(value);
      else args.push(arg, value);
      continue;
    }
    args.push(value === undefined ? arg : `${arg}=${value}`);
  }
  return { args, schema };
}

/** Replaces schema files given to `migrate diff` by migrate copies written into `tmpDir`. */
function rewriteSchemaFileArgs(args, tmpDir) {
  let n = 0;
  return args.map((arg, i) => {
    if (!SCHEMA_FILE_FLAGS.has(args[i - 1])) return arg;
    const dir = fs.mkdtempSync(path.join(tmpDir, `diff-${n++}-`));
    return writeMigrateSchema(path.resolve(arg), dir);
  });
}

/** Environment for the CLI naming the target, and the database name Prisma should display. */
function resolveTarget() {
  if (process.env.DATABASE_URL) {
    const { config } = pgConfigFromUrl(process.env.DATABASE_URL);
    return {
      url: process.env.DATABASE_URL,
      env: { SWITCHBOARD_MIGRATE_TARGET: 'postgres' },
      databaseName: config.database,
    };
  }
  const dataDir = path.resolve(process.env.DATA_DIR || './.data', 'pgdata');
  return {
    dataDir,
    env: { SWITCHBOARD_MIGRATE_TARGET: 'pglite', SWITCHBOARD_MIGRATE_PGLITE_DIR: dataDir },
    databaseName: 'pglite',
  };
}

/**
 * What PRISMA_SCHEMA_ENGINE_BINARY / PRISMA_QUERY_ENGINE_LIBRARY point to: the CLI only checks
 * that they exist, except `migrate resolve --rolled-back`, which runs the "binary" once.
 */
function engineStub() {
  try {
    fs.accessSync(ENGINE_STUB, fs.constants.X_OK);
  } catch {
    fs.chmodSync(ENGINE_STUB, 0o755); // a checkout that lost the executable bit
  }
  return ENGINE_STUB;
}

function runCli(args, env) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--require', PRELOAD, CLI, ...args, '--config', CONFIG],
      {
        env,
        stdio: 'inherit',
      },
    );
    const forward = (signal) => child.kill(signal);
    for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, forward);
    const timer = setTimeout(() => {
      process.stderr.write(`prisma-migrate: no exit after ${TIMEOUT_MS} ms, stopping the CLI\n`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }, TIMEOUT_MS);
    timer.unref();
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? 128 + (os.constants.signals[signal] ?? 0));
    });
  });
}

/** Prisma's own `migrate dev` / `reset` regenerate the client: do the same with Prisma 7. */
function isCommand(args, command) {
  return (
    args[0] === 'migrate' && args[1] === command && !args.includes('--help') && !args.includes('-h')
  );
}

function shouldGenerate(args, schema) {
  return (
    schema === DEFAULT_SCHEMA &&
    (isCommand(args, 'dev') || isCommand(args, 'reset')) &&
    !args.includes('--create-only') &&
    !args.includes('--skip-generate')
  );
}

async function main() {
  const { args: rawArgs, schema } = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(schema)) fail(`schema not found: ${schema}`);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-prisma-migrate-'));
  try {
    const args = rewriteSchemaFileArgs(rawArgs, tmpDir);
    const target = resolveTarget();
    const env = {
      ...process.env,
      ...target.env,
      SWITCHBOARD_MIGRATE_SCHEMA: writeMigrateSchema(schema, tmpDir, target.databaseName),
      SWITCHBOARD_MIGRATE_MIGRATIONS_DIR: path.join(path.dirname(schema), 'migrations'),
      // The WASM engine and the driver adapter do the work; these only have to exist.
      PRISMA_SCHEMA_ENGINE_BINARY: engineStub(),
      PRISMA_QUERY_ENGINE_LIBRARY: ENGINE_STUB,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    };
    const migrationsDir = env.SWITCHBOARD_MIGRATE_MIGRATIONS_DIR;
    if (isCommand(rawArgs, 'dev') && (await deployBeforeDev(target, migrationsDir))) {
      process.stderr.write('prisma-migrate: applying pending migrations first (migrate deploy)\n');
      const deployed = await runCli(['migrate', 'deploy'], env);
      if (deployed !== 0) return deployed;
    }
    const code = await runCli(args, env);
    if (code === 0 && shouldGenerate(rawArgs, schema)) {
      const generate = spawnSync(process.execPath, [path.join(__dirname, 'prisma-generate.js')], {
        cwd: ROOT,
        stdio: 'inherit',
      });
      return generate.status ?? 1;
    }
    return code;
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => fail(error.stack || String(error)),
);
