import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The service cannot start in this environment (a database that refuses, a DATA_DIR it cannot
 * write): main.ts prints the message as one line and exits 1, no stack trace. Thrown by the
 * checks that run before anything is written (bootstrap's preflight, the database connect).
 */
export class StartupRefusal extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupRefusal';
  }
}

/** `err`'s own words without a stack: the errno message or the first line. */
export function reasonOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/**
 * DATA_DIR exists (created if missing) and a file can be written in it and removed again. Run
 * before the database is opened, so a refusal applies no migration and creates no data.
 */
export function checkDataDirWritable(dir: string): void {
  const probe = path.join(dir, `.write-check-${process.pid}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    throw new StartupRefusal(
      `DATA_DIR ${dir} is not usable (${reasonOf(err)}): it must be a directory this user can write`,
      { cause: err },
    );
  }
}
