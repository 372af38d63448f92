'use strict';
// Preloaded (`node --require`) into the prisma@6.19 CLI process started by
// scripts/prisma-migrate.js. It builds the Prisma config (handed over to
// scripts/prisma/prisma.config.js through a global) and makes sure the process ends:
// the WASM schema engine leaves 10-60 s timers behind and nothing closes PGlite or pg pools.
const { adapterFactoryFor, closeAll, describeTarget } = require('./adapters');

const CONFIG_KEY = Symbol.for('switchboard.prismaMigrateConfig');
/** Timers at least this long are time-outs, not work: they must not keep the CLI alive. */
const LONG_TIMER_MS = 2_000;

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through scripts/prisma-migrate.js`);
  return value;
}

function targetFromEnv() {
  const kind = requiredEnv('SWITCHBOARD_MIGRATE_TARGET');
  if (kind === 'pglite') return { kind, dataDir: requiredEnv('SWITCHBOARD_MIGRATE_PGLITE_DIR') };
  if (kind === 'postgres') {
    return {
      kind,
      url: requiredEnv('DATABASE_URL'),
      shadow: process.env.MIGRATE_SHADOW_DB === 'server' ? 'server' : 'pglite',
    };
  }
  throw new Error(`unknown SWITCHBOARD_MIGRATE_TARGET ${kind}`);
}

// Work-around 1a: unref long timers so they cannot hold the event loop open.
function unrefLongTimers() {
  for (const name of ['setTimeout', 'setInterval']) {
    const original = globalThis[name];
    const patched = function (callback, delay, ...args) {
      const timer = original.call(this, callback, delay, ...args);
      if (Number(delay) >= LONG_TIMER_MS && typeof timer?.unref === 'function') timer.unref();
      return timer;
    };
    Object.defineProperty(patched, 'name', { value: name });
    if (original.__promisify__) patched.__promisify__ = original.__promisify__;
    globalThis[name] = patched;
  }
}

// Work-around 1b: close every PGlite / pool before the process ends, on success and on error.
function closeResourcesBeforeExit() {
  let closing;
  const close = () => (closing ??= closeAll());
  process.on('beforeExit', () => {
    if (!closing) void close();
  });
  // On failure the CLI calls process.exit() directly: close first, then exit for real.
  const exit = process.exit.bind(process);
  process.exit = (code) => {
    if (code !== undefined) process.exitCode = code;
    const hardStop = setTimeout(() => exit(process.exitCode), 10_000);
    hardStop.unref();
    void close().finally(() => exit(process.exitCode));
    return undefined;
  };
}

// The placeholder url in the schema copy is required by prisma 6.19, and then warned about on
// every command; the warning is noise here (the url is never used), so drop just that write.
function hidePlaceholderUrlWarning() {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk, ...rest) => {
    if (
      typeof chunk === 'string' &&
      chunk.includes('datasource properties but you are using a Driver Adapter')
    ) {
      return true;
    }
    return write(chunk, ...rest);
  };
}

const target = targetFromEnv();
const factory = adapterFactoryFor(target);
unrefLongTimers();
closeResourcesBeforeExit();
hidePlaceholderUrlWarning();
if (!process.env.SWITCHBOARD_MIGRATE_QUIET) {
  process.stderr.write(`prisma-migrate: target ${describeTarget(target)}\n`);
}

globalThis[CONFIG_KEY] = {
  experimental: { adapter: true },
  engine: 'js',
  schema: requiredEnv('SWITCHBOARD_MIGRATE_SCHEMA'),
  migrations: { path: requiredEnv('SWITCHBOARD_MIGRATE_MIGRATIONS_DIR') },
  // The CLI asks for the adapter several times per command: always the same factory, so one
  // PGlite per data directory.
  adapter: async () => factory,
};
