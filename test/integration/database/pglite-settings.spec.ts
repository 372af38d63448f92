// The embedded PGlite is opened with PGLITE_SETTINGS on top of PGlite's own start parameters:
// shared_buffers=16MB instead of Postgres' 128 MB default, which PGlite 0.5 touches in full in its
// WebAssembly memory (bench/RESULTS.md, "Memory, 2026-12-04"). PGlite's own parameters (the
// search_path it sets, no parallel workers) must stay in force alongside.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openDatabase, PGLITE_SETTINGS } from '../../../src/database/database-connection';

jest.setTimeout(120_000);

describe('embedded PGlite settings', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-pglite-settings-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts with a small shared_buffers and keeps PGlite defaults', async () => {
    expect(PGLITE_SETTINGS).toContain('shared_buffers=16MB');
    const db = await openDatabase({ url: undefined, dataDir, embedded: true });
    try {
      expect(db.kind).toBe('pglite');
      const rows = await db.sql.query<{ name: string; setting: string }>(
        `SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name`,
        [['shared_buffers', 'search_path', 'max_parallel_workers_per_gather']],
      );
      expect(Object.fromEntries(rows.map((r) => [r.name, r.setting]))).toEqual({
        shared_buffers: '16MB',
        search_path: 'public',
        max_parallel_workers_per_gather: '0',
      });
    } finally {
      await db.close();
    }
  });
});
