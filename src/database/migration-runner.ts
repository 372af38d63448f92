// Applies prisma/migrations/*/migration.sql at start-up and in tests, recording them in
// `_prisma_migrations` exactly as Prisma Migrate does, so `prisma migrate status` (and
// `prisma migrate deploy` wherever Prisma's engines exist) agree with what ran here.
// Why a runner of our own: Prisma's migrate engine cannot be downloaded on our machines; the
// WASM engine in scripts/prisma-migrate.js is a developer tool (see docs/migrations.md).
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Pool, PoolClient } from 'pg';

export interface SqlExecutor {
  /** Run a multi-statement script (no parameters). */
  exec(sql: string): Promise<void>;
  /** Run one parameterised query and return rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Run fn inside one transaction on ONE connection; commit on resolve, roll back on throw. */
  transaction<T>(fn: (tx: Omit<SqlExecutor, 'transaction'>) => Promise<T>): Promise<T>;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export type MigrationLog = (msg: string, extra?: object) => void;

/** Why the runner refused to start or stopped; `migration` names the migration concerned. */
export class MigrationError extends Error {
  constructor(
    readonly migration: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

type Tx = Omit<SqlExecutor, 'transaction'>;

/**
 * Prisma Migrate's own advisory-lock key: holding it also keeps a concurrent
 * `prisma migrate deploy` out while we migrate, and vice versa.
 */
export const MIGRATION_LOCK_KEY = 72707369;

/** Prisma's DDL for its history table (schema-engine, PostgreSQL flavour). */
const CREATE_HISTORY_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

interface LocalMigration {
  name: string;
  script: string;
  /** sha256 hex of the file bytes (recorded when applied). */
  checksum: string;
  /** Checksums an applied file may have: Prisma also accepts CRLF/LF line-ending changes. */
  accepted: string[];
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
  logs: string | null;
}

/**
 * Applies every migration not yet recorded as finished, in name order, each in its own
 * transaction under an advisory lock. Throws (naming the migration) when a recorded
 * migration failed or its file changed after it was applied, and when a migration fails now
 * (after recording the failure the way Prisma does: a row without finished_at, with logs).
 */
export async function applyMigrations(
  db: SqlExecutor,
  migrationsDir: string,
  log: MigrationLog = () => {},
): Promise<MigrationResult> {
  const migrations = await readMigrations(migrationsDir);
  await db.transaction(async (tx) => {
    await lock(tx);
    // Looked up first: CREATE TABLE IF NOT EXISTS needs CREATE on the schema even when it exists.
    const existing = await tx.query(
      `SELECT 1 FROM pg_class
        WHERE relname = '_prisma_migrations' AND relnamespace = current_schema()::regnamespace`,
    );
    if (existing.length === 0) await tx.exec(CREATE_HISTORY_TABLE);
  });
  checkHistory(await readHistory(db), migrations, log);

  const applied: string[] = [];
  let alreadyApplied = 0;
  for (const migration of migrations) {
    if (await applyOne(db, migration, log)) applied.push(migration.name);
    else alreadyApplied++;
  }
  if (applied.length > 0) log('Database migrations applied', { applied, alreadyApplied });
  return { applied, alreadyApplied };
}

async function readMigrations(migrationsDir: string): Promise<LocalMigration[]> {
  const entries = await fs
    .readdir(migrationsDir, { withFileTypes: true })
    .catch((error: unknown) => {
      throw new Error(`Cannot read the migrations directory ${migrationsDir}: ${String(error)}`);
    });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b)); // Prisma's order
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, 'migration.sql');
      const bytes = await fs.readFile(file).catch(() => {
        throw new Error(`Migration ${name} has no migration.sql (${file})`);
      });
      const script = bytes.toString('utf8');
      const checksum = sha256(bytes);
      const accepted = [checksum, sha256(script.replace(/\r\n/g, '\n'))];
      accepted.push(sha256(script.replace(/\n/g, '\r\n')));
      return { name, script, checksum, accepted };
    }),
  );
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function lock(tx: Tx): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
}

function readHistory(db: Tx): Promise<HistoryRow[]> {
  return db.query<HistoryRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at, logs
       FROM _prisma_migrations ORDER BY started_at, migration_name`,
  );
}

/** Rows that count: Prisma ignores rows marked rolled back (`migrate resolve --rolled-back`). */
function liveRows(history: HistoryRow[], name?: string): HistoryRow[] {
  return history.filter(
    (row) => row.rolled_back_at === null && (name === undefined || row.migration_name === name),
  );
}

function checkHistory(history: HistoryRow[], migrations: LocalMigration[], log: MigrationLog) {
  const local = new Map(migrations.map((migration) => [migration.name, migration]));
  for (const row of liveRows(history)) {
    const name = row.migration_name;
    if (row.finished_at === null) throw failedMigrationError(row);
    const migration = local.get(name);
    if (!migration) {
      // A newer release ran here before (e.g. after a rollback of the service): keep going.
      log('Applied migration missing from prisma/migrations', { migration: name });
    } else if (!migration.accepted.includes(row.checksum)) {
      throw new MigrationError(
        name,
        `Migration ${name} was modified after it was applied: its checksum in _prisma_migrations ` +
          `(${row.checksum}) differs from prisma/migrations/${name}/migration.sql ` +
          `(${migration.checksum}). Restore the file and put the change in a new migration.`,
      );
    }
  }
}

function failedMigrationError(row: HistoryRow): MigrationError {
  const name = row.migration_name;
  return new MigrationError(
    name,
    `Migration ${name} failed earlier and is recorded as failed in _prisma_migrations` +
      `${row.logs ? ` (${row.logs.split('\n')[0]})` : ''}. Fix or revert the database, then ` +
      `run: node scripts/prisma-migrate.js migrate resolve --rolled-back ${name}`,
  );
}

/** Applies one migration unless someone else already has; false when it was already there. */
async function applyOne(db: SqlExecutor, migration: LocalMigration, log: MigrationLog) {
  const { name, script, checksum } = migration;
  const started = Date.now();
  try {
    return await db.transaction(async (tx) => {
      await lock(tx);
      // Re-read under the lock: another instance may have applied it since we looked.
      const rows = liveRows(await readHistory(tx), name);
      if (rows.some((row) => row.finished_at === null)) throw failedMigrationError(rows[0]);
      if (rows.length > 0) return false;
      log('Applying database migration', { migration: name });
      const id = randomUUID();
      await tx.query(
        'INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES ($1, $2, $3)',
        [id, checksum, name],
      );
      await tx.exec(script);
      await tx.query(
        `UPDATE _prisma_migrations
            SET applied_steps_count = applied_steps_count + 1, finished_at = clock_timestamp()
          WHERE id = $1`,
        [id],
      );
      log('Applied database migration', { migration: name, ms: Date.now() - started });
      return true;
    });
  } catch (error) {
    if (error instanceof MigrationError) throw error;
    await recordFailure(db, migration, error);
    throw new MigrationError(
      name,
      `Migration ${name} failed and was rolled back: ${errorText(error)}. Fix it, then run: ` +
        `node scripts/prisma-migrate.js migrate resolve --rolled-back ${name}`,
      { cause: error },
    );
  }
}

/**
 * Prisma leaves a row without finished_at, with the error in logs, so `migrate status` shows
 * the failure and later starts refuse to continue until someone has looked at it. Our
 * transaction rolled the script back, so the row is all that remains of the attempt.
 */
async function recordFailure(db: SqlExecutor, migration: LocalMigration, error: unknown) {
  try {
    await db.transaction(async (tx) => {
      await lock(tx);
      await tx.query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, applied_steps_count)
         VALUES ($1, $2, $3, $4, 0)`,
        [randomUUID(), migration.checksum, migration.name, errorText(error)],
      );
    });
  } catch {
    // The database may be gone (the reason the migration failed): the thrown error says enough.
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// Executors
// ---------------------------------------------------------------------------------------------

export function pgliteExecutor(pg: PGlite): SqlExecutor {
  const on = (client: PGlite | Transaction): Tx => ({
    async exec(sql) {
      await client.exec(sql);
    },
    async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await client.query<T>(sql, params)).rows;
    },
  });
  return {
    ...on(pg),
    transaction: (fn) => pg.transaction((tx) => fn(on(tx))),
  };
}

export function pgPoolExecutor(pool: Pool): SqlExecutor {
  const on = (client: Pool | PoolClient): Tx => ({
    async exec(sql) {
      await client.query(sql); // no parameters: simple protocol, several statements allowed
    },
    async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
  });
  return {
    ...on(pool),
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(on(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError; // do not return a connection in an unknown state to the pool
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}
