// Several instances on one database: starting together on an empty table, and rotating at the
// same moment, must leave exactly one active key. Embedded PGlite always; PostgreSQL (real
// concurrent connections, so the table lock matters) when TEST_DATABASE_URL is set, e.g. from
// scripts/test-postgres.sh.
import { randomBytes } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { AuditRepository } from '../../../src/audit/audit.repository';
import { useProcessLogger } from '../../../src/common/logging/logger';
import { loadAppConfig } from '../../../src/config/app-config';
import type { DatabaseConnection } from '../../../src/database/database-connection';
import { pgPoolExecutor } from '../../../src/database/migration-runner';
import { PrismaService } from '../../../src/database/prisma.service';
import { generateSigningKey } from '../../../src/tokens/rsa-key.util';
import { SigningKeyService } from '../../../src/tokens/signing-key.service';
import { SigningKeysRepository } from '../../../src/tokens/signing-keys.repository';
import { sharedDatabase, TEST_SECRET } from './tokens-test-app';

jest.setTimeout(120_000);

const INSTANCES = 4;
const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

interface Backend {
  /** A connection per instance, all to one fresh database. */
  connections(n: number): Promise<DatabaseConnection[]>;
  count(sql: string): Promise<number>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

async function pgliteBackend(): Promise<Backend> {
  const db = await sharedDatabase();
  return {
    connections: async (n) => Array.from({ length: n }, () => db.connection()),
    count: async (sql) => Number((await db.pg.query<{ n: number }>(sql)).rows[0].n),
    exec: async (sql) => void (await db.pg.exec(sql)),
    close: () => db.pg.close(),
  };
}

async function postgresBackend(url: string): Promise<Backend> {
  const schema = `signing_keys_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA "${schema}"`);
  const pools: Pool[] = [];
  const qualified = (sql: string) => sql.replace(/signing_keys/g, `"${schema}".signing_keys`);
  return {
    connections: async (n) =>
      Array.from({ length: n }, () => {
        const pool = new Pool({
          connectionString: url,
          max: 3,
          options: `-c search_path=${schema}`,
        });
        pools.push(pool);
        return {
          kind: 'postgres' as const,
          adapter: new PrismaPg(pool, { schema }),
          sql: pgPoolExecutor(pool),
          freshEmbedded: false,
          close: async () => undefined,
        };
      }),
    count: async (sql) => Number((await admin.query<{ n: number }>(qualified(sql))).rows[0].n),
    exec: async (sql) => void (await admin.query(qualified(sql))),
    close: async () => {
      await Promise.all(pools.map((p) => p.end()));
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

const backends: [string, () => Promise<Backend>][] = [['embedded PGlite', pgliteBackend]];
if (TEST_DATABASE_URL) backends.push(['PostgreSQL', () => postgresBackend(TEST_DATABASE_URL)]);

describe.each(backends)(`signing keys with ${INSTANCES} instances on %s`, (_name, makeBackend) => {
  let backend: Backend;
  let services: SigningKeyService[];
  let prismas: PrismaService[];

  beforeAll(async () => {
    useProcessLogger('silent');
    backend = await makeBackend();
    const config = loadAppConfig({
      SIGNING_KEY_SECRET: TEST_SECRET,
      DATA_DIR: '/nonexistent-not-used',
    });
    const connections = await backend.connections(INSTANCES);
    prismas = connections.map((c) => new PrismaService(c));
    for (const p of prismas) await p.onModuleInit(); // migrations (idempotent), then $connect
    services = prismas.map(
      (p) => new SigningKeyService(config, new SigningKeysRepository(p), new AuditRepository(p)),
    );
  });
  afterAll(async () => {
    services.forEach((s) => s.onModuleDestroy());
    for (const p of prismas) await p.$disconnect();
    await backend.close();
  });

  // Keys generated beforehand so the writes really race (key generation would stagger them).
  async function newKeys(n: number) {
    const keys = await Promise.all(Array.from({ length: n }, () => generateSigningKey()));
    return keys.map((k) => ({
      kid: k.kid,
      publicJwk: k.publicJwk,
      privateKeyEnc: 'v1.x.y.z',
      createdAt: new Date(),
    }));
  }

  it('racing writers on the repository: one first key, and one active key after rotations', async () => {
    const repos = prismas.map((p) => new SigningKeysRepository(p));
    const inserted = await Promise.all(
      (await newKeys(INSTANCES)).map((k, i) => repos[i].insertIfNoneActive(k)),
    );
    expect(inserted.filter(Boolean)).toHaveLength(1);
    const rotations = (await newKeys(INSTANCES)).map((k, i) =>
      repos[i].rotate(k, k.createdAt, async () => undefined),
    );
    await Promise.all(rotations);
    expect(
      await backend.count('SELECT count(*)::int AS n FROM signing_keys WHERE retired_at IS NULL'),
    ).toBe(1);
    await backend.exec('DELETE FROM signing_keys');
  });

  it('instances starting together on an empty table create one key', async () => {
    await Promise.all(services.map((s) => s.onModuleInit()));
    expect(await backend.count('SELECT count(*)::int AS n FROM signing_keys')).toBe(1);
    expect(new Set(services.map((s) => s.signingKey().kid)).size).toBe(1);
  });

  it('concurrent rotations leave exactly one active key, which every instance signs with', async () => {
    const results = await Promise.all(
      services.map((s, i) => s.rotate({ id: i, name: `admin${i}` }, { immediate: true })),
    );
    expect(await backend.count('SELECT count(*)::int AS n FROM signing_keys')).toBe(1 + INSTANCES);
    expect(
      await backend.count('SELECT count(*)::int AS n FROM signing_keys WHERE retired_at IS NULL'),
    ).toBe(1);
    await Promise.all(services.map((s) => s.refresh()));
    const kids = new Set(services.map((s) => s.signingKey().kid));
    expect(kids.size).toBe(1);
    expect(results.map((r) => r.kid)).toContain([...kids][0]);
    // Every retired key is still published.
    const jwks = await services[0].jwks();
    expect(jwks.keys).toHaveLength(1 + INSTANCES);
  });
});
