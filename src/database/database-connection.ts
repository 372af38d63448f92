import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppConfig } from '../config/app-config';
import { reasonOf, StartupRefusal } from '../common/startup/startup-refusal';
import type { PrismaClient } from '../generated/prisma/client';
import { pgliteExecutor, pgPoolExecutor, SqlExecutor } from './migration-runner';

/**
 * The two backends behind one shape: a real PostgreSQL server (DATABASE_URL) or an embedded
 * PGlite in DATA_DIR/pgdata. Prisma gets a driver adapter; the migration runner and health
 * checks get a plain SQL executor on the same connection(s).
 */
type AdapterFactory = NonNullable<ConstructorParameters<typeof PrismaClient>[0]>['adapter'];

export interface DatabaseConnection {
  readonly kind: 'postgres' | 'pglite';
  readonly adapter: NonNullable<AdapterFactory>;
  readonly sql: SqlExecutor;
  /** True when the embedded database directory did not exist before this start. */
  readonly freshEmbedded: boolean;
  close(): Promise<void>;
}

export async function openDatabase(config: AppConfig['database']): Promise<DatabaseConnection> {
  if (config.url) return openPostgres(config.url);
  return openPglite(path.join(config.dataDir, 'pgdata'));
}

async function openPostgres(url: string): Promise<DatabaseConnection> {
  const { Pool } = await import('pg');
  const { PrismaPg } = await import('@prisma/adapter-pg');
  // Client-side limits, so a hung server (SIGSTOP, a black-holed route) frees pool slots:
  // connect within 2 s, any query within 30 s. The request path uses shorter deadlines on top
  // (DatabaseGuard); these bound everything else (admin writes, readiness, migrations).
  const pool = new Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 2000,
    query_timeout: 30_000,
    keepAlive: true,
  });
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead
  const client = await pool.connect().catch((err: unknown) => {
    void pool.end();
    throw new StartupRefusal(`cannot connect to DATABASE_URL: ${reasonOf(err)}`, { cause: err });
  });
  client.release();
  return {
    kind: 'postgres',
    adapter: new PrismaPg(pool),
    sql: pgPoolExecutor(pool),
    freshEmbedded: false,
    close: () => pool.end(),
  };
}

/**
 * Postgres settings for the embedded database, on top of PGlite's own start parameters.
 * PGlite 0.5 starts with Postgres' default shared_buffers (128 MB), all of it touched in its
 * WebAssembly memory at start: 16 MB cuts the RSS of a bare PGlite by ~120 MB (bench/RESULTS.md,
 * "Memory, 2026-12-04"), and a small service's working set fits in it (pages not in it are read
 * back from the files in DATA_DIR through the OS page cache). work_mem, temp_buffers,
 * wal_buffers and max_connections measured within noise, so they keep their defaults. The
 * WebAssembly heap cannot start below 128 MB (`initialMemory` under it fails to link).
 */
export const PGLITE_SETTINGS: readonly string[] = ['shared_buffers=16MB'];

async function openPglite(dir: string): Promise<DatabaseConnection> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
  fs.mkdirSync(dir, { recursive: true });
  const pg = await PGlite.create(dir, {
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ['-c', s])],
  }).catch((err: unknown) => {
    throw new StartupRefusal(`cannot open the embedded database in ${dir}: ${reasonOf(err)}`, {
      cause: err,
    });
  });
  return {
    kind: 'pglite',
    adapter: new PrismaPGlite(pg),
    sql: pgliteExecutor(pg),
    freshEmbedded: fresh,
    close: () => pg.close(),
  };
}
