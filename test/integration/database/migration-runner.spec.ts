// The start-up migration runner against real databases: embedded PGlite always, PostgreSQL
// when TEST_DATABASE_URL is set (each run in fresh schemas, dropped afterwards), and the
// migrate CLI (scripts/prisma-migrate.js) agreeing with what the runner recorded.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Pool } from 'pg';
import {
  applyMigrations,
  MigrationError,
  pgliteExecutor,
  pgPoolExecutor,
  SqlExecutor,
} from '../../../src/database/migration-runner';

jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..', '..', '..');
const MIGRATIONS_DIR = path.join(ROOT, 'prisma', 'migrations');
const MIGRATIONS = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const TABLES = tablesOfSchema(readFileSync(path.join(ROOT, 'prisma', 'schema.prisma'), 'utf8'));

/** Table names the schema maps its models to (`@@map`, else the model name). */
function tablesOfSchema(schema: string): string[] {
  const tables = [...schema.matchAll(/^model\s+(\w+)\s*{([\s\S]*?)^}/gm)].map(
    ([, model, body]) => /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? model,
  );
  return tables.sort();
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

interface HistoryRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

function history(db: SqlExecutor): Promise<HistoryRow[]> {
  return db.query<HistoryRow>(
    'SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name',
  );
}

async function tables(db: SqlExecutor): Promise<string[]> {
  const rows = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  return rows.map((row) => row.table_name).sort();
}

/** A migrations directory whose second migration fails half-way through. */
function brokenMigrationsDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-broken-migrations-'));
  const write = (name: string, sql: string) => {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  };
  write('0001_ok', 'CREATE TABLE ok_table (id INTEGER PRIMARY KEY);\n');
  write(
    '0002_broken',
    [
      'CREATE TABLE partial_table (id INTEGER);',
      'INSERT INTO ok_table (id) VALUES (1);',
      'SELECT 1 / 0;',
      '',
    ].join('\n'),
  );
  return dir;
}

function runMigrateCli(args: string[], env: Record<string, string>) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_OPTIONS; // jest's --experimental-vm-modules is not for the CLI
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'scripts', 'prisma-migrate.js'), ...args],
      { cwd: ROOT, env: childEnv, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface Backend {
  /** A database (or schema) of its own, empty. */
  fresh(): Promise<SqlExecutor>;
  closeAll(): Promise<void>;
}

function runnerSuite(makeBackend: () => Backend) {
  let backend: Backend;
  beforeAll(() => {
    backend = makeBackend();
  });
  afterAll(async () => {
    await backend.closeAll();
  });

  describe('with the project migrations', () => {
    let db: SqlExecutor;
    beforeAll(async () => {
      db = await backend.fresh();
    });

    it('applies every migration from scratch and records it as Prisma does', async () => {
      const result = await applyMigrations(db, MIGRATIONS_DIR);

      expect(result).toEqual({ applied: MIGRATIONS, alreadyApplied: 0 });
      expect(await tables(db)).toEqual([...TABLES, '_prisma_migrations'].sort());
      const rows = await history(db);
      expect(rows.map((row) => row.migration_name)).toEqual(MIGRATIONS);
      for (const row of rows) {
        expect(row.id).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        expect(row.checksum).toBe(
          sha256File(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql')),
        );
        expect(row.finished_at).not.toBeNull();
        expect(row.rolled_back_at).toBeNull();
        expect(row.logs).toBeNull();
        expect(row.applied_steps_count).toBe(1);
      }
    });

    it('applies nothing the second time', async () => {
      const logs: string[] = [];
      const result = await applyMigrations(db, MIGRATIONS_DIR, (msg) => logs.push(msg));

      expect(result).toEqual({ applied: [], alreadyApplied: MIGRATIONS.length });
      expect(await history(db)).toHaveLength(MIGRATIONS.length);
      expect(logs).toEqual([]);
    });

    it('refuses to start when an applied migration file was changed', async () => {
      const [first] = MIGRATIONS;
      const [{ checksum }] = await db.query<{ checksum: string }>(
        'SELECT checksum FROM _prisma_migrations WHERE migration_name = $1',
        [first],
      );
      await db.query('UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = $2', [
        '0'.repeat(64),
        first,
      ]);
      try {
        const attempt = applyMigrations(db, MIGRATIONS_DIR);
        await expect(attempt).rejects.toThrow(MigrationError);
        await expect(applyMigrations(db, MIGRATIONS_DIR)).rejects.toThrow(
          new RegExp(`Migration ${first} was modified after it was applied`),
        );
      } finally {
        await db.query('UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = $2', [
          checksum,
          first,
        ]);
      }
      await expect(applyMigrations(db, MIGRATIONS_DIR)).resolves.toEqual({
        applied: [],
        alreadyApplied: MIGRATIONS.length,
      });
    });
  });

  describe('with a migration that fails', () => {
    let db: SqlExecutor;
    let dir: string;
    beforeAll(async () => {
      db = await backend.fresh();
      dir = brokenMigrationsDir();
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('leaves no partial schema and no finished row, and names the migration', async () => {
      const error: unknown = await applyMigrations(db, dir).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).migration).toBe('0002_broken');
      expect((error as Error).message).toMatch(/Migration 0002_broken failed.*division by zero/);
      expect(await tables(db)).toEqual(['_prisma_migrations', 'ok_table']);
      expect(await db.query('SELECT * FROM ok_table')).toEqual([]);
      const rows = await history(db);
      expect(rows.map((r) => [r.migration_name, r.finished_at !== null])).toEqual([
        ['0001_ok', true],
        ['0002_broken', false],
      ]);
      expect(rows[1].logs).toMatch(/division by zero/);
    });

    it('refuses to start while the failure is recorded, continues once it is resolved', async () => {
      await expect(applyMigrations(db, dir)).rejects.toThrow(
        /Migration 0002_broken failed earlier/,
      );

      // What `prisma migrate resolve --rolled-back 0002_broken` does, then a fixed file.
      await db.query(
        'UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = $1',
        ['0002_broken'],
      );
      writeFileSync(
        path.join(dir, '0002_broken', 'migration.sql'),
        'CREATE TABLE fixed (id INT);\n',
      );

      await expect(applyMigrations(db, dir)).resolves.toEqual({
        applied: ['0002_broken'],
        alreadyApplied: 1,
      });
      expect(await tables(db)).toEqual(['_prisma_migrations', 'fixed', 'ok_table']);
    });
  });

  it('accepts an applied migration whose line endings changed (git on Windows), as Prisma does', async () => {
    const db = await backend.fresh();
    const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-crlf-migrations-'));
    try {
      const file = path.join(dir, '0001_lf', 'migration.sql');
      mkdirSync(path.dirname(file));
      writeFileSync(file, 'CREATE TABLE lf (id INT);\nCREATE TABLE lf2 (id INT);\n');
      await applyMigrations(db, dir);
      writeFileSync(file, readFileSync(file, 'utf8').replace(/\n/g, '\r\n'));

      await expect(applyMigrations(db, dir)).resolves.toEqual({ applied: [], alreadyApplied: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

describe('applyMigrations on PGlite (memory://)', () => {
  runnerSuite(() => {
    // Creating a PGlite costs seconds: one per suite, a fresh schema for every later database
    // (a PGlite is a single session, so search_path set here holds for the executor).
    let pg: PGlite | undefined;
    return {
      async fresh() {
        if (!pg) {
          pg = new PGlite('memory://');
          return pgliteExecutor(pg);
        }
        const schema = `fresh_${randomBytes(4).toString('hex')}`;
        await pg.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema};`);
        return pgliteExecutor(pg);
      },
      async closeAll() {
        await pg?.close();
      },
    };
  });
});

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
const describeIfPostgres = TEST_DATABASE_URL ? describe : describe.skip;
const PG_SKIP = TEST_DATABASE_URL
  ? ''
  : ' [skipped: set TEST_DATABASE_URL, e.g. scripts/test-postgres.sh]';

/** Schemas of this run: unique names, dropped at the end. */
function postgresSchemas(url: string) {
  const admin = new Pool({ connectionString: url, max: 2 });
  const pools: Pool[] = [];
  const schemas: string[] = [];
  return {
    async create(): Promise<{ schema: string; pool: () => Pool }> {
      const schema = `migration_runner_${process.pid}_${randomBytes(4).toString('hex')}`;
      await admin.query(`CREATE SCHEMA "${schema}"`);
      schemas.push(schema);
      return {
        schema,
        pool: () => {
          const pool = new Pool({
            connectionString: url,
            max: 3,
            options: `-c search_path=${schema}`,
          });
          pools.push(pool);
          return pool;
        },
      };
    },
    async dropAll() {
      await Promise.all(pools.map((pool) => pool.end()));
      for (const schema of schemas) await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

describeIfPostgres(`applyMigrations on PostgreSQL (TEST_DATABASE_URL)${PG_SKIP}`, () => {
  runnerSuite(() => {
    const schemas = postgresSchemas(TEST_DATABASE_URL!);
    return {
      async fresh() {
        return pgPoolExecutor((await schemas.create()).pool());
      },
      closeAll: () => schemas.dropAll(),
    };
  });

  describe('two instances starting at once', () => {
    const schemas = postgresSchemas(TEST_DATABASE_URL!);
    afterAll(() => schemas.dropAll());

    it('applies each migration exactly once', async () => {
      const { pool } = await schemas.create();
      const [a, b] = [pgPoolExecutor(pool()), pgPoolExecutor(pool())];

      const results = await Promise.all([
        applyMigrations(a, MIGRATIONS_DIR),
        applyMigrations(b, MIGRATIONS_DIR),
      ]);

      expect([...results[0].applied, ...results[1].applied].sort()).toEqual(MIGRATIONS);
      expect(results[0].alreadyApplied + results[1].alreadyApplied).toBe(MIGRATIONS.length);
      expect((await history(a)).map((row) => row.migration_name)).toEqual(MIGRATIONS);
    });
  });

  describe('prisma migrate status after the runner', () => {
    const schemas = postgresSchemas(TEST_DATABASE_URL!);
    afterAll(() => schemas.dropAll());

    it('reports the database up to date', async () => {
      const { schema, pool } = await schemas.create();
      await applyMigrations(pgPoolExecutor(pool()), MIGRATIONS_DIR);

      const url = new URL(TEST_DATABASE_URL!);
      url.searchParams.set('schema', schema);
      const status = await runMigrateCli(['migrate', 'status'], { DATABASE_URL: url.toString() });

      expect(status.stdout).toContain('Database schema is up to date!');
      expect(status.code).toBe(0);
    });
  });
});

describe('prisma migrate status after the runner, on a PGlite directory', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchboard-migrate-status-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('reports the database up to date', async () => {
    // One process per PGlite directory at a time: close before the CLI opens it.
    const pg = new PGlite(path.join(dataDir, 'pgdata'));
    try {
      await applyMigrations(pgliteExecutor(pg), MIGRATIONS_DIR);
    } finally {
      await pg.close();
    }

    const status = await runMigrateCli(['migrate', 'status'], {
      DATA_DIR: dataDir,
      DATABASE_URL: '',
    });

    expect(status.stdout).toContain('Database schema is up to date!');
    expect(status.code).toBe(0);
  });
});
